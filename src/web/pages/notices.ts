// Pages that are about the link, the person or the request rather than a grant's state.
import { html } from './html.js';
import { layout, type PageContext } from './layout.js';

const askAgain = html`<p>Ask your assistant to request access again; it will give you a fresh link.</p>`;

export function invalidLinkPage(ctx: PageContext, detail?: string): string {
  return layout(ctx, {
    title: 'Invalid link',
    tone: 'bad',
    badge: 'Invalid link',
    body: html`<h1>This approval link is not valid</h1>
<p>${detail ?? 'It may have been copied incompletely or changed.'}</p>${askAgain}`,
  });
}

export function expiredLinkPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Link expired',
    tone: 'warn',
    badge: 'Link expired',
    body: html`<h1>This approval link has expired</h1>
<p>Links work only while the request is waiting for a decision.</p>${askAgain}`,
  });
}

export function notFoundPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Request not found',
    tone: 'warn',
    badge: 'Not found',
    body: html`<h1>This request no longer exists</h1>
<p>Requests are kept for a limited time after they are decided.</p>${askAgain}`,
  });
}

/** The signed-in person may not decide (or see) this request; `reason` comes from the approval policy. */
export function notAllowedPage(ctx: PageContext, reason: string, requesterEmail?: string): string {
  return layout(ctx, {
    title: 'Not allowed',
    tone: 'bad',
    badge: 'Not allowed',
    body: html`<h1>You cannot decide this request</h1>
<p>${reason[0]?.toUpperCase()}${reason.slice(1)}.</p>
${requesterEmail ? html`<p class="muted">The request came from ${requesterEmail}.</p>` : ''}
<p class="muted">Signed in as the wrong person? Sign out above and open the link again.</p>`,
  });
}

/** A form post that failed validation before anything could be shown again: nothing was changed. */
export function badRequestPage(ctx: PageContext, message: string): string {
  return layout(ctx, {
    title: 'Not accepted',
    tone: 'bad',
    badge: 'Not accepted',
    body: html`<h1>Nothing was changed</h1><p class="error">${message}</p>
<p>Go back, reload the approval page and try again.</p>`,
  });
}

/** Failed CSRF or same-origin checks: the post did not come from our own page. */
export function forbiddenPage(ctx: PageContext, message: string): string {
  return layout(ctx, {
    title: 'Refused',
    tone: 'bad',
    badge: 'Refused',
    body: html`<h1>Nothing was changed</h1><p class="error">${message}</p>
<p>If you meant to decide, open the approval link again and use the form there.</p>`,
  });
}

export function errorPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Something went wrong',
    tone: 'bad',
    badge: 'Error',
    body: html`<h1>Something went wrong on our side</h1><p>Please try again in a moment.</p>`,
  });
}

/** Redis did not answer in time: a decision may or may not have been recorded; a reload shows which. */
export function unavailablePage(ctx: PageContext, retryAfterSeconds: number): string {
  return layout(ctx, {
    title: 'Briefly unavailable',
    tone: 'bad',
    badge: 'Unavailable',
    body: html`<h1>Countersign is briefly unavailable</h1><p>Reload this page in ${retryAfterSeconds} seconds to see where the request stands.</p>`,
  });
}

export function signInFailedPage(ctx: PageContext, message: string, retryHref: string): string {
  return layout(ctx, {
    title: 'Sign-in failed',
    tone: 'bad',
    badge: 'Sign-in failed',
    body: html`<h1>We could not sign you in</h1><p>${message}</p><p><a href="${retryHref}">Try again</a></p>`,
  });
}

export function signedOutPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Signed out',
    tone: 'info',
    badge: 'Signed out',
    body: html`<h1>You are signed out</h1><p>Open an approval link to sign in again.</p>`,
  });
}

export function sessionPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Countersign',
    tone: 'info',
    body: ctx.viewer
      ? html`<h1>You are signed in</h1><p>Open an approval link from your assistant, Slack or a colleague to decide a request.</p>`
      : html`<h1>You are not signed in</h1><p><a href="${ctx.basePath}/auth/sign-in">Sign in</a></p>`,
  });
}
