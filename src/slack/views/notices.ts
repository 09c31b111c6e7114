// Short ephemeral and DM texts: refusals, lost races, outcomes for the requester, bad clicks.
import type { KnownBlock } from '@slack/types';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { blockId, type ViewContext } from '../ids.js';
import {
  accessText,
  actorMrkdwn,
  ago,
  clientLabel,
  currentEntry,
  entryFor,
  grantedScopeMrkdwn,
  when,
} from './grant-text.js';
import { LIMITS } from './limits.js';
import { escapeWithin, fitMrkdwn, md, quote, truncate } from './mrkdwn.js';

export interface Notice {
  text: string;
  blocks?: KnownBlock[];
}

/** A click the policy refused: "You can't decide this request: self-approval is limited to read". */
export function refusedNotice(reason: string): Notice {
  return { text: `You can't decide this request: ${escapeWithin(reason, 500)}` };
}

/** A click on a request someone or something else already settled: who won, and how long ago. */
export function lostRaceNotice(grant: Grant, ctx: ViewContext): Notice {
  const approval = entryFor(grant, 'approved');
  const entry = currentEntry(grant);
  const since = (at: number | undefined) => (at === undefined ? '' : ` ${ago(at, ctx.now)}`);
  const approvedBy = () =>
    `Already approved by ${actorMrkdwn(approval?.by, grant, ctx)}${since(approval?.at)}`;
  const endedSince = since(entry?.at);
  switch (grant.status) {
    case 'pending':
      return { text: 'This request is still waiting for a decision; try again.' };
    case 'approved':
      return { text: `${approvedBy()}.` };
    case 'denied':
      return { text: `Already denied by ${actorMrkdwn(entry?.by, grant, ctx)}${endedSince}.` };
    case 'expired':
      return { text: `This request expired${endedSince} without a decision.` };
    case 'superseded':
      return {
        text: `This request was replaced by a newer one${endedSince}; look for that message instead.`,
      };
    case 'cancelled':
      return { text: `The assistant withdrew this request${endedSince}.` };
    case 'ended':
      return { text: `${approvedBy()}; that access has since ended.` };
    case 'revoked':
      return { text: `${approvedBy()}; ${actorMrkdwn(entry?.by, grant, ctx)} revoked it${endedSince}.` };
    case 'released':
      return { text: `${approvedBy()}; the assistant released it${endedSince}.` };
    case 'consumed':
      return { text: `${approvedBy()}; the approved call has been made.` };
    default:
      return { text: 'This request was already decided.' };
  }
}

/**
 * To the requester when someone else decided: the scope and instructions on approval, the reason on denial.
 * The short `text` is the notification; the blocks carry the approver's full notes.
 */
export function outcomeDm(grant: Grant, ctx: ViewContext): Notice {
  const v = grant.history.length;
  const client = escapeWithin(clientLabel(grant.clientName), 100);
  const decider = actorMrkdwn(grant.decidedBy ?? currentEntry(grant)?.by, grant, ctx);
  const what = escapeWithin(accessText(grant, ctx), 300);
  let headline: string;
  let notes: { label: string; text: string } | null = null;
  if (grant.status === 'approved') {
    const until = grant.expiresAt ? ` until ${when(grant.expiresAt)}` : '';
    headline = `✅ ${decider} approved ${client}'s request: ${grantedScopeMrkdwn(grant, ctx)}${until}.`;
    if (grant.instructions) notes = { label: 'Instructions to the assistant', text: grant.instructions };
  } else if (grant.status === 'denied') {
    headline = `❌ ${decider} denied ${client}'s request for ${what}.`;
    notes = { label: 'Reason', text: grant.statusReason ?? 'No reason given.' };
  } else if (grant.status === 'expired') {
    headline = `⌛ ${client}'s request for ${what} expired: nobody decided within ${formatDuration(grant.decideBy - grant.createdAt)}.`;
  } else {
    headline = `${client}'s request for ${what} is now *${grant.status}*.`;
  }
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: blockId('dm_outcome', v), text: md(truncate(headline, LIMITS.sectionText)) },
  ];
  if (notes) {
    const label = `*${notes.label}*\n`;
    const text = label + fitMrkdwn(notes.text, LIMITS.sectionText - label.length, quote).text;
    blocks.push({ type: 'section', block_id: blockId('dm_notes', v), text: md(text) });
  }
  return { text: truncate(headline, 300), blocks };
}

/** A click we could not act on (malformed, unknown request): say what, and that nothing changed. */
export function invalidActionNotice(message: string): Notice {
  return { text: `That didn't work: ${escapeWithin(message, 500)}. Nothing was changed.` };
}
