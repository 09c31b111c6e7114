// What happens when a Redis data reset is seen: an error in the log and a count in /metrics in every process
// that sees it; one Slack notice to the audit channel and to each admin for the whole fleet (once-marks keyed
// by the new epoch), retried for a while if Slack does not take it.

import type { Logger } from '../lib/logger.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { redisResetNotice } from '../slack/views/lost-data.js';
import { redisResets } from './metrics.js';
import type { ResetSeen } from './redis-epoch.js';

export interface ResetNoticeTarget {
  /** The bot's client (chat.postMessage to a channel id, or to a user id for the DM). */
  client: { chat: { postMessage(args: { channel: string; text: string; blocks: never }): Promise<unknown> } };
  auditChannel: string | undefined;
  admins: string[];
}

export interface ResetReportDeps {
  redis: Pick<Redis, 'set' | 'del'>;
  prefix: string;
  logger: Logger;
  /** Null without Slack: the log and the metric are all there is. */
  slack: ResetNoticeTarget | null;
  /** Delay before the n-th retry of a notice (default: 1 s doubling to 1 min, 10 tries in all). */
  retryDelayMs?: (attempt: number) => number;
}

/** The once-marks outlive any retry; a new reset has a new epoch, hence new marks. */
const MARK_TTL_SECONDS = 7 * 86_400;
const ATTEMPTS = 10;
const defaultDelay = (attempt: number) => Math.min(60_000, 1000 * 2 ** attempt);

/** Returns the onReset callback for RedisEpoch; the notices go out in the background. */
export function reportResets(deps: ResetReportDeps): (reset: ResetSeen) => void {
  return (reset) => {
    redisResets.inc();
    deps.logger.error(
      {
        previousEpoch: reset.previous,
        epoch: reset.current,
        ...(reset.shard ? { shardKey: reset.shard } : {}),
      },
      'Redis lost its data (epoch changed): pending requests and grants are gone; schedulers are being re-created. Run Redis with appendonly yes and maxmemory-policy noeviction.',
    );
    const slack = deps.slack;
    if (!slack) return;
    const notice = redisResetNotice(reset.at);
    const targets = [...(slack.auditChannel ? [slack.auditChannel] : []), ...slack.admins];
    for (const target of targets) {
      void notifyOnce(deps, slack, reset.current, target, notice).catch((error: unknown) =>
        deps.logger.error({ err: error, target }, 'Redis reset notice could not be sent'),
      );
    }
  };
}

async function notifyOnce(
  deps: ResetReportDeps,
  slack: ResetNoticeTarget,
  epoch: string,
  channel: string,
  notice: { text: string; blocks: unknown[] },
): Promise<void> {
  const mark = `${deps.prefix}reset-notice:${epoch}:${channel}`;
  const delay = deps.retryDelayMs ?? defaultDelay;
  for (let attempt = 0; ; attempt++) {
    // Another process may have sent it meanwhile (or be sending it): its mark stands.
    if ((await deps.redis.set(mark, '1', 'EX', MARK_TTL_SECONDS, 'NX')) !== 'OK') return;
    try {
      await slack.client.chat.postMessage({ channel, text: notice.text, blocks: notice.blocks as never });
      return;
    } catch (error) {
      // Give the mark back so this process (or another) can send it later.
      await deps.redis.del(mark).catch(() => undefined);
      if (attempt + 1 >= ATTEMPTS) throw error;
      deps.logger.warn({ err: error, channel, attempt }, 'Redis reset notice failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay(attempt)).unref());
    }
  }
}
