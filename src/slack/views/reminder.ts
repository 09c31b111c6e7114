// The one thread reply that reminds approvers a request is still waiting, before its window closes.
import type { Grant } from '../../grants/types.js';
import type { ViewContext } from '../ids.js';
import { accessText, requesterMrkdwn, when } from './grant-text.js';
import { truncate } from './mrkdwn.js';
import type { Notice } from './notices.js';

export interface ReminderAudience {
  /** Approver user ids (`U…`) and user-group ids (`S…`) to ping; empty in a self-approval DM. */
  approvers: readonly string[];
}

const ping = (id: string) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`);

export function reminderNotice(grant: Grant, ctx: ViewContext, audience: ReminderAudience): Notice {
  const who = audience.approvers.length > 0 ? `${audience.approvers.map(ping).join(' ')} ` : '';
  const what =
    grant.kind === 'request' && grant.request ? `one ${grant.request.method} call` : accessText(grant, ctx);
  const text = `⏰ ${who}${requesterMrkdwn(ctx)} is still waiting for ${what}. This request expires ${when(grant.decideBy)}.`;
  return { text: truncate(text, 3000) };
}
