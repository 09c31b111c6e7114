// Acknowledged grant writes through a failover: a loop creates and approves grants (each on a new session, so on
// any shard) and remembers when Redis acknowledged each approval; afterwards it reads them all back and counts
// the approvals that are gone — what asynchronous replication lost when a master died before its replica had them.

import { redisConfig } from '../../src/config.js';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import type { Actor } from '../../src/grants/types.js';
import { type RedisClient, redisFactory } from '../../src/redis/connections.js';

const APPROVER: Actor = { type: 'user', id: 'user_bob', email: 'bob@sandbox.test', via: 'web' };
const HOUR = 3_600_000;

export interface AckedWritesReport {
  /** Approvals Redis acknowledged. */
  acked: number;
  /** Writes that failed (Redis away): not acknowledged, so not lost. */
  failed: number;
  /** Acknowledged approvals that read back as anything but approved (or not at all). */
  lost: number;
  /** How long before `since` the oldest lost approval was acknowledged (ms; negative = after it). */
  oldestLostBeforeMs: number | null;
}

export interface AckedWrites {
  stop(): Promise<void>;
  /** Reads every acknowledged approval back; `since` (epoch ms, e.g. the kill) dates the oldest loss. */
  report(since: number): Promise<AckedWritesReport>;
}

/** Starts writing on the cluster at `nodes` under `prefix` (keys the server under test would use too). */
export function startAckedWrites(nodes: string, prefix: string): AckedWrites {
  const settings = redisConfig({ REDIS_CLUSTER_NODES: nodes, REDIS_PREFIX: prefix });
  // As the server's command connection: fail fast while a master is away, then follow the new slot map.
  const redis: RedisClient = redisFactory(settings).create('commands');
  redis.on('error', () => undefined);
  const store = new RedisGrantStore(redis, {
    prefix,
    decisionWindowMs: HOUR,
    maxAccessMs: HOUR,
    retentionMs: HOUR,
    sessionTtlMs: HOUR,
  });
  const acked = new Map<string, number>();
  let failed = 0;
  let running = true;
  const loop = (async () => {
    await redis.connect().catch(() => undefined);
    for (let i = 0; running; i++) {
      try {
        const { grant } = await store.createBroad({
          owner: { sid: `acked_${i}`, organizationId: null, userId: 'user_alice', userEmail: 'a@x.test' },
          clientName: null,
          reason: null,
          level: 'read',
          providers: ['linear'],
          durationMs: HOUR,
        });
        const approved = await store.approve(grant.id, APPROVER, {});
        if (approved.ok) acked.set(grant.id, Date.now());
        else failed++;
      } catch {
        failed++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
    async report(since) {
      let lost = 0;
      let oldest: number | null = null;
      for (const [id, at] of acked) {
        const grant = await store.get(id);
        if (grant?.status === 'approved') continue;
        lost++;
        oldest = Math.max(oldest ?? Number.NEGATIVE_INFINITY, since - at);
      }
      await store.close();
      redis.disconnect();
      return { acked: acked.size, failed, lost, oldestLostBeforeMs: oldest };
    },
  };
}
