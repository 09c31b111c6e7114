// Pieces both consent forms share: who asks and why, the hidden fields, the notes box, the buttons.
import { MAX_TEXT_CHARS } from '../../grants/transitions.js';
import type { Grant } from '../../grants/types.js';
import { clientLabel } from './describe.js';
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './layout.js';
import { when } from './time.js';

/** The store's own limit; the textarea enforces it too, so a person is stopped before they lose their text. */
export const NOTES_MAX_LENGTH = MAX_TEXT_CHARS;

export interface ConsentFormBase {
  grant: Grant;
  token: string;
  csrf: string;
  /** Why approving is limited or impossible for this viewer (policy), or null. */
  limitNote: string | null;
  /** A refused submission's message, shown above the form. */
  error: string | null;
  notes: string;
}

export function errorBanner(error: string | null): SafeHtml | '' {
  return error ? html`<p class="error" role="alert"><strong>Nothing was changed.</strong> ${error}</p>` : '';
}

export function requesterFacts(grant: Grant, ctx: PageContext): SafeHtml {
  return html`<dl>
  <dt>Requested by</dt><dd>${grant.owner.userEmail}</dd>
  <dt>Assistant</dt><dd>${clientLabel(grant.clientName)}</dd>
  <dt>Asked</dt><dd>${when(grant.createdAt, ctx.now)}</dd>
  <dt>Decide by</dt><dd>${when(grant.decideBy, ctx.now)}</dd>
</dl>
${
  grant.reason
    ? html`<h2>The assistant's reason</h2><div class="quote">${grant.reason}</div>`
    : html`<p class="muted">The assistant gave no reason.</p>`
}`;
}

export function hiddenFields(view: ConsentFormBase): SafeHtml {
  return html`<input type="hidden" name="token" value="${view.token}">
<input type="hidden" name="csrf" value="${view.csrf}">`;
}

export function notesField(view: ConsentFormBase): SafeHtml {
  return html`<h2><label for="notes">Notes (optional)</label></h2>
<p class="muted">Instructions to the assistant when approving, reason when denying.</p>
<textarea id="notes" name="notes" maxlength="${NOTES_MAX_LENGTH}">${view.notes}</textarea>`;
}

export function limitNotice(note: string | null): SafeHtml | '' {
  return note ? html`<p class="notice">${note}</p>` : '';
}

/** Deny comes first in the markup so that pressing Enter in a checkbox never approves by accident. */
export function decisionButtons(canApprove: boolean): SafeHtml {
  return html`<div class="actions">
  <button class="deny" type="submit" name="decision" value="deny">Deny</button>
  <button class="approve" type="submit" name="decision" value="approve"${canApprove ? '' : html` disabled`}>Approve</button>
</div>`;
}
