// N-of-M in a request message: the approvals so far (who, when, scope) and what is still needed.
import type { SectionBlock } from '@slack/types';
import { describeMissing, type Mentions, stillMissing } from '../../grants/quorum.js';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { blockId } from '../ids.js';
import { when } from './grant-text.js';
import { LIMITS } from './limits.js';
import { escapeMrkdwn, isSlackUserId, md, truncate } from './mrkdwn.js';

const SLACK_GROUP_ID = /^S[A-Z0-9]{2,40}$/;

const SLACK_MENTIONS: Mentions = {
  group: (id) => (SLACK_GROUP_ID.test(id) ? `<!subteam^${id}>` : escapeMrkdwn(`@${id}`)),
  user: (id) => (isSlackUserId(id) ? `<@${id}>` : escapeMrkdwn(id)),
};

/** Null unless the request needs more than one approval or already has some. */
export function quorumSection(grant: Grant, v: number): SectionBlock | null {
  const approvals = grant.approvals ?? [];
  const missing = stillMissing(grant);
  const multi = (grant.policy?.gates ?? []).some((gate) => gate.approvals > 1);
  if (approvals.length === 0 && !multi) return null;
  const lines = approvals.map((a) => {
    const who =
      a.by.via === 'slack' && isSlackUserId(a.by.id) ? `<@${a.by.id}>` : escapeMrkdwn(a.by.email ?? a.by.id);
    return `:white_check_mark: ${who} ${when(a.at)}: ${a.level} on ${escapeMrkdwn(a.providers.join(', '))} for ${formatDuration(a.durationMs)}`;
  });
  if (missing.length > 0) lines.push(`*Still needs* ${describeMissing(missing, SLACK_MENTIONS)}`);
  return {
    type: 'section',
    block_id: blockId('quorum', v),
    text: md(truncate(`*Approvals* (${approvals.length} so far)\n${lines.join('\n')}`, LIMITS.sectionText)),
  };
}
