// What a clicker hears about a click that could not be finished at once: recorded, applied later, or not recorded.
import type { Grant } from '../../grants/types.js';
import type { ClickKind } from '../click-record.js';
import type { ViewContext } from '../ids.js';
import { accessText, clientLabel, requesterMrkdwn, when } from './grant-text.js';
import { escapeWithin } from './mrkdwn.js';
import type { Notice } from './notices.js';

const NOUN: Record<ClickKind, string> = {
  approve: 'approval',
  deny: 'denial',
  revoke: 'revocation',
  extend: 'extension',
};

/** "Claude Code's request for write access to Linear (from @alice)". */
function requestMrkdwn(grant: Grant, ctx: ViewContext): string {
  const client = escapeWithin(clientLabel(grant.clientName), 100);
  return `${client}'s request for ${escapeWithin(accessText(grant, ctx), 300)} (from ${requesterMrkdwn(ctx)})`;
}

/** After an outage: the click was applied by the retrying job, some time after it was made. */
export function appliedLateNotice(kind: ClickKind, grant: Grant, ctx: ViewContext): Notice {
  const what = requestMrkdwn(grant, ctx);
  const done =
    kind === 'approve'
      ? `✅ Done: you approved ${what}${grant.expiresAt ? `, until ${when(grant.expiresAt)}` : ''}.`
      : kind === 'deny'
        ? `❌ Done: you denied ${what}.`
        : kind === 'revoke'
          ? `Done: you ended the access granted by ${what}.`
          : `Done: you extended the access granted by ${what}${grant.expiresAt ? ` to ${when(grant.expiresAt)}` : ''}.`;
  return { text: `${done} It could not be applied when you clicked, so this took a moment.` };
}

/** The click is recorded but could not be applied yet (Slack or Redis failing): it will be, nothing to redo. */
export function deferredNotice(kind: ClickKind): Notice {
  return {
    text: `⏳ Your ${NOUN[kind]} is recorded but could not be applied yet: Slack (or Countersign's database) is not answering right now. It will be applied as soon as it can, and you will hear here when it is. No need to click again.`,
  };
}

/** Not even recorded (Redis unreachable): nothing happened, so the person must click again. */
export function notRecordedNotice(kind: ClickKind): Notice {
  return {
    text: `⚠️ Your ${NOUN[kind]} could not be recorded: Countersign cannot reach its database right now. Nothing was changed; please click again in a minute.`,
  };
}
