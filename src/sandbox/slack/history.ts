// conversations.history as Slack answers it: newest first, `oldest`/`latest` exclusive unless `inclusive`, pages
// of `limit` (default 100, at most 999) joined by a `next_ts` cursor, thread replies left out, and message
// metadata only with `include_all_metadata`.
import { type ApiContext, ApiError, type Args, messageBody, str } from './api-args.js';
import { requireHistoryScope } from './scopes.js';
import type { Block } from './types.js';

const TS = /^\d+(\.\d+)?$/;
const flag = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
/** Slack ts as a comparable number of microseconds (ts strings are "seconds.micros"). */
const micros = (ts: string) => {
  const [s = '0', f = ''] = ts.split('.');
  return BigInt(s) * 1_000_000n + BigInt(f.padEnd(6, '0').slice(0, 6) || '0');
};

function tsArg(args: Args, name: 'oldest' | 'latest'): bigint | undefined {
  const raw = str(args[name]);
  if (raw === undefined || raw === '') return undefined;
  if (!TS.test(raw)) throw new ApiError(name === 'oldest' ? 'invalid_ts_oldest' : 'invalid_ts_latest');
  return micros(raw);
}

function cursorArg(args: Args): bigint | undefined {
  const raw = str(args.cursor);
  if (raw === undefined || raw === '') return undefined;
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(raw, 'base64').toString('utf8'));
  if (!match) throw new ApiError('invalid_cursor');
  return BigInt(match[1]!);
}

export function conversationsHistory(args: Args, { state, scopes }: ApiContext): Block {
  // A conversation id only: unlike chat.postMessage, a user id or a channel name is not found.
  const channel = state.channels.get(str(args.channel) ?? '');
  if (!channel) throw new ApiError('channel_not_found');
  requireHistoryScope(scopes, channel);
  const oldest = tsArg(args, 'oldest');
  const latest = tsArg(args, 'latest');
  const inclusive = flag(args.inclusive);
  const cursor = cursorArg(args);
  const requested = Number(str(args.limit) ?? 100);
  const limit = Number.isFinite(requested) && requested >= 1 ? Math.min(999, Math.floor(requested)) : 100;
  const withMetadata = flag(args.include_all_metadata);

  const inRange = state
    .messagesIn(channel.id)
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .filter((m) => {
      const at = micros(m.ts);
      if (oldest !== undefined && (inclusive ? at < oldest : at <= oldest)) return false;
      if (latest !== undefined && (inclusive ? at > latest : at >= latest)) return false;
      // A cursor names the newest message of the next page.
      return cursor === undefined || at <= cursor;
    })
    .sort((a, b) => (micros(b.ts) > micros(a.ts) ? 1 : -1));
  const page = inRange.slice(0, limit);
  const next = inRange[limit];
  return {
    messages: page.map((m) => ({
      ...messageBody(m),
      ...(withMetadata && m.metadata !== undefined ? { metadata: structuredClone(m.metadata) } : {}),
    })),
    has_more: next !== undefined,
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(next
      ? {
          response_metadata: {
            next_cursor: Buffer.from(`next_ts:${micros(next.ts)}`).toString('base64'),
          },
        }
      : {}),
  };
}
