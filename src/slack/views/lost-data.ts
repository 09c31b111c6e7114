// After Redis lost its data: the message a click on a forgotten request turns into (no buttons left), and the
// one notice the audit channel and the admins get about the reset. Pure: the times come in as arguments.
import type { KnownBlock } from '@slack/types';
import { isSlackUserId, md, slackDate } from './mrkdwn.js';

export interface LostDataView {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Replaces a request or grant message whose record is gone (a Redis data reset, or past retention): says so,
 * and that nothing was decided here, so nobody keeps clicking buttons that can no longer do anything.
 */
export function unknownRequestMessage(clickedBy: string, at: number): LostDataView {
  const who = isSlackUserId(clickedBy) ? `<@${clickedBy}>` : 'someone';
  const text =
    '⚠️ This request is no longer known to Countersign: its record is gone. Nothing can be decided or changed here; the assistant must ask again.';
  return {
    text,
    blocks: [
      { type: 'section', block_id: 'cs_unknown_request', text: md(text) },
      {
        type: 'context',
        block_id: 'cs_unknown_request_when',
        elements: [md(`Found out when ${who} clicked, ${slackDate(at)}.`)],
      },
    ],
  };
}

/** To the audit channel and each admin, once per reset across the fleet. */
export function redisResetNotice(detectedAt: number): LostDataView {
  const text = `🚨 Countersign's Redis lost its data (reset detected ${slackDate(detectedAt)}). Every pending request and active grant was forgotten.`;
  const consequences = [
    '• Pending requests read as not found; the assistant must request access again.',
    '• Granted access can no longer be used; it must be requested and approved again.',
    '• Buttons on older request messages no longer work; a click marks the message as no longer known.',
    '• Background work (expiries, reminders, this channel’s feed) has resumed on its own.',
  ].join('\n');
  const fix =
    'Run Redis with persistence (`appendonly yes`) and `maxmemory-policy noeviction` so a restart keeps the data (see the README, Operations).';
  return {
    text,
    blocks: [
      { type: 'section', block_id: 'cs_redis_reset', text: md(text) },
      { type: 'section', block_id: 'cs_redis_reset_what', text: md(consequences) },
      { type: 'context', block_id: 'cs_redis_reset_fix', elements: [md(fix)] },
    ],
  };
}
