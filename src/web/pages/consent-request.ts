// The consent form for one exact API call: method, URL and body as they will be sent, then approve or deny.
import type { Grant } from '../../grants/types.js';
import {
  type ConsentFormBase,
  decisionButtons,
  errorBanner,
  hiddenFields,
  limitNotice,
  notesField,
  requesterFacts,
} from './consent-parts.js';
import { clientLabel, type ProviderNames, providerLabel } from './describe.js';
import { html, type SafeHtml } from './html.js';
import { layout, type PageContext } from './layout.js';

export interface RequestConsentView extends ConsentFormBase {
  providerNames: ProviderNames;
  canApprove: boolean;
}

/** Pretty-printed JSON when the body parses (it is stored canonical), the raw text otherwise. */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function requestCard(grant: Grant, names: ProviderNames): SafeHtml {
  const request = grant.request;
  if (!request) return html`<p class="notice">This request has no call attached.</p>`;
  return html`<h2>The call</h2>
<p><span class="method m-${request.method}">${request.method}</span><code>${request.url}</code></p>
<dl>
  <dt>Provider</dt><dd>${providerLabel(grant.requestedProviders[0] ?? grant.providers[0] ?? 'unknown', names)}</dd>
  <dt>Needs</dt><dd>${grant.level} access</dd>
</dl>
${
  request.body === null
    ? html`<p class="muted">No body: the call may be made only without one.</p>`
    : html`<h2>Body</h2><pre>${prettyBody(request.body)}</pre>`
}`;
}

export function requestConsentPage(view: RequestConsentView, ctx: PageContext): string {
  const { grant } = view;
  return layout(ctx, {
    title: 'Approve this call?',
    tone: 'info',
    badge: 'Single API call',
    body: html`<h1>${clientLabel(grant.clientName)} wants to make this API call</h1>
${errorBanner(view.error)}
${requesterFacts(grant, ctx)}
${requestCard(grant, view.providerNames)}
<p class="muted">Approving allows exactly this call, once. Any other method, URL or body is refused.</p>
<form method="post" action="${ctx.basePath}/approve">
${hiddenFields(view)}
${notesField(view)}
${limitNotice(view.limitNote)}
${decisionButtons(view.canApprove)}
</form>`,
  });
}
