// The consent form for broad access: which providers, which level, for how long, with notes.
import type { Level } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
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

export interface BroadConsentView extends ConsentFormBase {
  providerNames: ProviderNames;
  /** Levels this viewer may grant, highest first; empty means they may only deny. */
  approvable: Level[];
  /** Durations (ms) offered, ascending; all within the configured maximum. */
  durationChoices: number[];
  /** What is ticked and selected: the request itself, or what a refused submission had chosen. */
  chosen: { providers: string[]; level: Level; durationMs: number };
}

function providerBoxes(view: BroadConsentView): SafeHtml {
  const { grant } = view;
  if (grant.requestedProviders.length === 0) {
    return html`<p class="notice">This request names no providers, so there is nothing to approve. You can deny it.</p>`;
  }
  return html`<fieldset><legend>Providers</legend>
${grant.requestedProviders.map(
  (id) =>
    html`<label class="choice"><input type="checkbox" name="providers" value="${id}"${
      view.chosen.providers.includes(id) ? html` checked` : ''
    }> ${providerLabel(id, view.providerNames)}</label>`,
)}
<p class="muted">Untick any provider the assistant should not get. Nothing ticked means nothing can be approved.</p>
</fieldset>`;
}

function levelChoice(view: BroadConsentView): SafeHtml {
  const { grant, approvable } = view;
  if (grant.requestedLevel === 'write' && approvable.includes('write')) {
    const checked = (level: Level) => (view.chosen.level === level ? html` checked` : '');
    return html`<fieldset><legend>Access level</legend>
<label class="choice"><input type="radio" name="level" value="write"${checked('write')}> Write: read, create, update and delete, as requested</label>
<label class="choice"><input type="radio" name="level" value="read"${checked('read')}> Downgrade to read only</label>
</fieldset>`;
  }
  if (grant.requestedLevel === 'write' && approvable.includes('read')) {
    return html`<fieldset><legend>Access level</legend>
<input type="hidden" name="level" value="read">
<p>Write was requested; you can approve <strong>read only</strong>.</p>
</fieldset>`;
  }
  return html`<fieldset><legend>Access level</legend><p>${
    grant.requestedLevel === 'read'
      ? 'Read only: look things up, change nothing.'
      : 'Write: read, create, update and delete.'
  }</p></fieldset>`;
}

function durationChoice(view: BroadConsentView): SafeHtml {
  const requested = view.grant.requestedDurationMs;
  return html`<fieldset><legend><label for="duration">Access duration</label></legend>
<select id="duration" name="duration">
${view.durationChoices.map(
  (ms) =>
    html`<option value="${ms}"${ms === view.chosen.durationMs ? html` selected` : ''}>${formatDuration(ms)}${
      ms === requested ? ' (requested)' : ''
    }</option>`,
)}
</select>
<p class="muted">The clock starts when you approve, not when the assistant asked.</p>
</fieldset>`;
}

export function broadConsentPage(view: BroadConsentView, ctx: PageContext): string {
  const { grant } = view;
  const canApprove = view.approvable.length > 0 && grant.requestedProviders.length > 0;
  return layout(ctx, {
    title: 'Approve access?',
    tone: 'info',
    badge: 'Access request',
    body: html`<h1>${clientLabel(grant.clientName)} is asking for ${grant.requestedLevel} access</h1>
${errorBanner(view.error)}
${requesterFacts(grant, ctx)}
<form method="post" action="${ctx.basePath}/approve">
${hiddenFields(view)}
${providerBoxes(view)}
${levelChoice(view)}
${durationChoice(view)}
${notesField(view)}
${limitNotice(view.limitNote)}
${decisionButtons(canApprove)}
</form>`,
  });
}
