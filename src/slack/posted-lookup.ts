// Finds a request message that went out without its ref being recorded (a crash between chat.postMessage and
// the record, or a reply lost on the way): every request message carries its grant id in Slack message
// metadata, which conversations.history returns, so a retry adopts the message instead of posting another.
import type { WebClient } from '@slack/web-api';
import type { PostingMark } from './message-refs.js';

export const REQUEST_EVENT_TYPE = 'countersign_request';

/** The metadata every request message is posted with. */
export function requestMetadata(grantId: string) {
  return { event_type: REQUEST_EVENT_TYPE, event_payload: { grant_id: grantId } };
}

/** Slack's ts comes from Slack's clock: search from a little before our mark, in case the clocks disagree. */
const CLOCK_MARGIN_MS = 5 * 60_000;
const PAGE_SIZE = 200;
/** A bound on the pages read (1,000s of messages since the mark); the busiest approvals channel needs one or two. */
const MAX_PAGES = 10;

const tsOrder = (ts: string) => {
  const [s = '0', f = '0'] = ts.split('.');
  return BigInt(s) * 1_000_000n + BigInt(f.padEnd(6, '0').slice(0, 6));
};

/** conversations.history takes a conversation id; a DM was posted to a user id, which Slack resolved to a D… id. */
async function conversationOf(client: WebClient, channel: string): Promise<string | null> {
  if (!/^[UW]/.test(channel)) return channel;
  const opened = await client.conversations.open({ users: channel });
  return opened.channel?.id ?? null;
}

/** The grant's request messages in the marked conversation, oldest first (normally none or one). */
export async function findPosted(
  client: WebClient,
  mark: PostingMark,
  grantId: string,
): Promise<{ channel: string; ts: string[] } | null> {
  const channel = await conversationOf(client, mark.channel);
  if (!channel) return null;
  const oldest = (Math.max(0, mark.since - CLOCK_MARGIN_MS) / 1000).toFixed(6);
  const found: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.conversations.history({
      channel,
      oldest,
      limit: PAGE_SIZE,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of res.messages ?? []) {
      const meta = m.metadata as { event_type?: string; event_payload?: { grant_id?: unknown } } | undefined;
      if (m.ts && meta?.event_type === REQUEST_EVENT_TYPE && meta.event_payload?.grant_id === grantId)
        found.push(m.ts);
    }
    cursor = res.response_metadata?.next_cursor;
    if (!res.has_more || !cursor) break;
  }
  return { channel, ts: found.sort((a, b) => (tsOrder(a) < tsOrder(b) ? -1 : 1)) };
}
