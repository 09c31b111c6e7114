// One clear page for every state a grant can be in once it is no longer waiting for a decision.
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { requestCard } from './consent-request.js';
import { actorLabel, clientLabel, entryFor, type ProviderNames, providerList } from './describe.js';
import { html, type SafeHtml } from './html.js';
import { layout, type PageContext, type Tone } from './layout.js';
import { when } from './time.js';

function decision(grant: Grant, ctx: PageContext): SafeHtml {
  if (!grant.decidedBy) return html``;
  const at = grant.approvedAt ?? grant.endedAt ?? entryFor(grant, grant.status)?.at ?? null;
  return html`<dt>Decided by</dt><dd>${actorLabel(grant.decidedBy)}</dd>${
    at ? html`<dt>Decided</dt><dd>${when(at, ctx.now)}</dd>` : ''
  }`;
}

/** What was actually granted, which may be narrower than what was asked. */
function scope(grant: Grant, names: ProviderNames): SafeHtml {
  if (grant.kind === 'request') return requestCard(grant, names);
  const narrowed =
    grant.providers.length < grant.requestedProviders.length || grant.level !== grant.requestedLevel;
  return html`<h2>Scope granted</h2><dl>
  <dt>Providers</dt><dd>${providerList(grant.providers, names)}</dd>
  <dt>Level</dt><dd>${grant.level}</dd>
  <dt>Duration</dt><dd>${formatDuration(grant.durationMs)}</dd>
  ${narrowed ? html`<dt>Asked for</dt><dd>${grant.requestedLevel} on ${providerList(grant.requestedProviders, names)}</dd>` : ''}
</dl>`;
}

function quoted(label: string, text: string | null | undefined): SafeHtml | '' {
  return text ? html`<h2>${label}</h2><div class="quote">${text}</div>` : '';
}

interface StateCopy {
  tone: Tone;
  badge: string;
  heading: string;
  facts: SafeHtml;
  extra?: SafeHtml | '';
}

function copyFor(grant: Grant, ctx: PageContext, names: ProviderNames): StateCopy {
  const client = clientLabel(grant.clientName);
  const entry = entryFor(grant, grant.status);
  const at = entry?.at ?? grant.endedAt ?? ctx.now;
  const by = entry ? actorLabel(entry.by) : 'someone';
  switch (grant.status) {
    case 'pending':
      return {
        tone: 'info',
        badge: 'Waiting',
        heading: 'This request is waiting for a decision',
        facts: html``,
      };
    case 'approved':
      return {
        tone: 'ok',
        badge: 'Approved',
        heading: `Approved by ${actorLabel(grant.decidedBy)}`,
        facts: html`${decision(grant, ctx)}${
          grant.expiresAt ? html`<dt>Access ends</dt><dd>${when(grant.expiresAt, ctx.now)}</dd>` : ''
        }<dt>Calls made</dt><dd>${grant.uses}</dd>`,
        extra: html`${scope(grant, names)}${quoted('Instructions to the assistant', grant.instructions)}`,
      };
    case 'denied':
      return {
        tone: 'bad',
        badge: 'Denied',
        heading: `Denied by ${actorLabel(grant.decidedBy)}`,
        facts: decision(grant, ctx),
        extra: quoted('Reason', grant.statusReason),
      };
    case 'expired':
      return {
        tone: 'warn',
        badge: 'Expired',
        heading: 'Nobody decided in time',
        facts: html`<dt>Decide by was</dt><dd>${when(grant.decideBy, ctx.now)}</dd>`,
        extra: html`<p>${client} did not get access. It can ask again.</p>`,
      };
    case 'superseded':
      return {
        tone: 'warn',
        badge: 'Replaced',
        heading: 'A newer request replaced this one',
        facts: html`<dt>Replaced</dt><dd>${when(at, ctx.now)}</dd>`,
        extra: html`<p>${client} asked again from the same session, so this link no longer decides anything. Use the newest link it gave you.</p>`,
      };
    case 'cancelled':
      return {
        tone: 'warn',
        badge: 'Cancelled',
        heading: 'The request was withdrawn before anyone decided',
        facts: html`<dt>Cancelled</dt><dd>${when(at, ctx.now)}</dd><dt>By</dt><dd>${by}</dd>`,
      };
    case 'ended':
    case 'revoked':
    case 'released':
      return {
        tone: grant.status === 'revoked' ? 'bad' : 'info',
        badge: grant.status === 'ended' ? 'Ended' : grant.status === 'revoked' ? 'Revoked' : 'Released',
        heading:
          grant.status === 'ended'
            ? grant.supersededBy
              ? 'Access was approved, then replaced by a newer approved request'
              : 'Access was approved and has ended: its time ran out'
            : grant.status === 'revoked'
              ? `Access was approved, then revoked by ${by}`
              : 'Access was approved, then the assistant gave it up',
        facts: html`${decision(grant, ctx)}<dt>Ended</dt><dd>${when(at, ctx.now)}</dd><dt>Calls made</dt><dd>${grant.uses}</dd>`,
        extra: html`${scope(grant, names)}${quoted('Reason', grant.statusReason)}`,
      };
    case 'consumed':
      return {
        tone: 'ok',
        badge: 'Used',
        heading: 'The approved call has been made',
        facts: html`${decision(grant, ctx)}<dt>Made</dt><dd>${when(at, ctx.now)}</dd>`,
        extra: html`${scope(grant, names)}<p class="muted">A single-call approval works once.</p>`,
      };
  }
}

/** The page for a grant that is not (or no longer) pending; also shown when a decision lost a race. */
export function grantStatePage(
  grant: Grant,
  ctx: PageContext,
  names: ProviderNames,
  lead: string | null = null,
): string {
  const copy = copyFor(grant, ctx, names);
  return layout(ctx, {
    title: copy.badge,
    tone: copy.tone,
    badge: copy.badge,
    body: html`<h1>${copy.heading}</h1>
${lead ? html`<p class="notice">${lead}</p>` : ''}
<dl>
  <dt>Requested by</dt><dd>${grant.owner.userEmail}</dd>
  <dt>Assistant</dt><dd>${clientLabel(grant.clientName)}</dd>
  <dt>Asked</dt><dd>${when(grant.createdAt, ctx.now)}</dd>
  ${copy.facts}
</dl>
${copy.extra ?? ''}
<p class="muted">You can close this tab.</p>`,
  });
}
