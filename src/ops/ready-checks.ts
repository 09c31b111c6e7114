// The readiness checks /readyz runs: Redis usable (a write and a read, not only PING), the audit feed's job
// scheduler present, a live worker somewhere, the data epoch, and Slack as last seen. Each a ReadinessCheck.
import { randomUUID } from 'node:crypto';
import type { RedisClient as Redis } from '../redis/connections.js';
import { liveWorkers } from './heartbeat.js';
import type { ReadinessCheck } from './readiness.js';
import type { EpochState } from './redis-epoch.js';
import { slackReachability } from './slack-health.js';

/** Redis takes a write with an expiry and gives it back: connected, writable (not OOM, not a read-only replica). */
export function redisCheck(redis: Pick<Redis, 'set' | 'get'>, key: string): ReadinessCheck {
  return {
    name: 'redis',
    async run() {
      const nonce = randomUUID();
      await redis.set(key, nonce, 'PX', 10_000);
      const back = await redis.get(key);
      return back === nonce
        ? { state: 'up', ok: true }
        : { state: 'down', ok: false, detail: { reason: 'a readiness write did not read back' } };
    },
  };
}

export interface SchedulerSource {
  getJobScheduler(id: string): Promise<unknown>;
}

/**
 * The repeating jobs the fleet relies on (the audit feed, when an audit channel is set): without it no audit
 * line goes out, though every request still answers. The deadline sweep is no job: it runs on a timer in every
 * worker, so a live worker heartbeat (workersCheck) is what proves deadlines are being swept.
 */
export function schedulersCheck(
  queue: SchedulerSource,
  ids: string[],
  connected: () => boolean,
): ReadinessCheck {
  return {
    name: 'schedulers',
    async run() {
      if (!connected()) return { state: 'down', ok: false, detail: { reason: 'job connection not ready' } };
      const found = await Promise.all(ids.map((id) => queue.getJobScheduler(id)));
      const missing = ids.filter((_, i) => !found[i]);
      return missing.length === 0
        ? { state: 'present', ok: true }
        : { state: 'missing', ok: false, detail: { missing } };
    },
  };
}

/**
 * Some worker-role process beat lately. A web-only instance takes requests but relies on a worker elsewhere
 * for deliveries, deadlines and message updates, so without one it is not ready either.
 */
export function workersCheck(
  redis: Pick<Redis, 'eval' | 'evalsha'>,
  key: string,
  role: string,
): ReadinessCheck {
  return {
    name: 'workers',
    async run() {
      const alive = await liveWorkers(redis, key);
      if (alive > 0) return { state: 'up', ok: true, detail: { alive } };
      const note =
        role === 'web'
          ? 'this is a web-only instance (--role=web) and no worker (--role=worker or all) is alive: requests would not be delivered to Slack nor expire'
          : 'no worker heartbeat in the fleet';
      return { state: 'down', ok: false, detail: { alive, note } };
    },
  };
}

/**
 * A data reset seen by this process. It does not fail readiness: the data is gone whatever we answer, new
 * requests work again once the schedulers are back (their own check), and an unready fleet would turn a
 * data loss into a full outage. The reset is reported by the log, the metric and the Slack notice instead.
 */
export function epochCheck(state: () => EpochState): ReadinessCheck {
  return {
    name: 'epoch',
    async run() {
      const { epoch, resets, lastReset } = state();
      if (epoch === null) return { state: 'unknown', ok: true };
      if (!lastReset) return { state: 'ok', ok: true };
      return {
        state: 'reset',
        ok: true,
        detail: {
          resets,
          lastResetAt: new Date(lastReset.at).toISOString(),
          // On a cluster, the shard that lost its data when it was not the main epoch key's.
          ...(lastReset.shard ? { shardKey: lastReset.shard } : {}),
        },
      };
    },
  };
}

/** Slack as the process's own calls last found it (passive: readiness never calls Slack). */
export function slackCheck(configured: boolean): ReadinessCheck {
  return {
    name: 'slack',
    async run() {
      if (!configured) return { state: 'not_configured', ok: true };
      const { state } = slackReachability();
      return { state, ok: state !== 'down' };
    },
  };
}
