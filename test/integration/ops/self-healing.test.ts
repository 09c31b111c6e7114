// Self-healing on real Redis under a random prefix: the data-epoch detector sees a reset once per process and
// the fleet sends one notice per target; missing job schedulers are re-created by the upkeep (on its timer and
// on a reconnect); worker heartbeats and the readiness checks built on them; a Redis that answers PING but
// cannot take a write is not ready.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { GrantJobs, SCHEDULER } from '../../../src/jobs/grant-jobs.js';
import { createLogger } from '../../../src/lib/logger.js';
import { HEARTBEAT_FRESH_MS, liveWorkers, WorkerHeartbeat } from '../../../src/ops/heartbeat.js';
import { registry } from '../../../src/ops/metrics.js';
import { runReadiness } from '../../../src/ops/readiness.js';
import { epochCheck, redisCheck, schedulersCheck, workersCheck } from '../../../src/ops/ready-checks.js';
import { RedisEpoch, type ResetSeen } from '../../../src/ops/redis-epoch.js';
import { reportResets } from '../../../src/ops/reset-report.js';
import { startUpkeep } from '../../../src/ops/upkeep.js';
import { startPrivateRedis } from '../../support/private-redis.js';
import { testRedis } from '../../support/redis.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const PREFIX = `cs-it-heal-${randomBytes(6).toString('hex')}:`;
const JOBS_PREFIX = `{${PREFIX.replace(/[:{}]/g, '')}-jobs}`;
const logger = createLogger('silent');
const redis = testRedis();
const jobConnection = testRedis({ maxRetriesPerRequest: null });
const resetsCounted = async () =>
  sampleValue(parsePrometheusText(await registry.metrics()), 'countersign_redis_resets_total', {});

afterAll(async () => {
  for (const match of [`${PREFIX}*`, `${JOBS_PREFIX}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
  redis.disconnect();
  jobConnection.disconnect();
});

describe('RedisEpoch', () => {
  it('adopts the epoch at first, then reports each process once when the key vanishes or changes', async () => {
    const key = `${PREFIX}epoch-a`;
    const seenA: ResetSeen[] = [];
    const seenB: ResetSeen[] = [];
    const a = new RedisEpoch(redis, key, (r) => seenA.push(r));
    const b = new RedisEpoch(redis, key, (r) => seenB.push(r));
    expect(await a.check()).toBeNull();
    expect(await b.check()).toBeNull();
    const first = a.state().epoch;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.state().epoch).toBe(first);
    expect(await a.check()).toBeNull();

    // The data is gone (as after a restart without persistence): whoever looks first sets a new epoch.
    await redis.del(key);
    const resetA = await a.check();
    expect(resetA).toMatchObject({ previous: first });
    expect(resetA!.current).not.toBe(first);
    const resetB = await b.check();
    expect(resetB).toMatchObject({ previous: first, current: resetA!.current });
    expect(await a.check()).toBeNull();
    expect(await b.check()).toBeNull();
    expect(seenA).toHaveLength(1);
    expect(seenB).toHaveLength(1);
    expect(a.state()).toMatchObject({ resets: 1, lastReset: resetA });

    // A different epoch (another Redis behind the same address) is a reset too.
    await redis.set(key, 'someone-else');
    expect(await a.check()).toMatchObject({ previous: resetA!.current, current: 'someone-else' });
  });

  it('reads as the readiness check: unknown, ok, then reset with its time, never down', async () => {
    const epoch = new RedisEpoch(
      redis,
      `${PREFIX}epoch-b`,
      () => undefined,
      () => Date.UTC(2026, 0, 2),
    );
    const check = epochCheck(() => epoch.state());
    expect(await check.run()).toEqual({ state: 'unknown', ok: true });
    await epoch.check();
    expect(await check.run()).toEqual({ state: 'ok', ok: true });
    await redis.del(`${PREFIX}epoch-b`);
    await epoch.check();
    expect(await check.run()).toEqual({
      state: 'reset',
      ok: true,
      detail: { resets: 1, lastResetAt: '2026-01-02T00:00:00.000Z' },
    });
  });
});

describe('reportResets', () => {
  const reset = (current: string): ResetSeen => ({ previous: 'old', current, at: Date.now() });

  it('counts every sighting, and the fleet sends one notice to the audit channel and to each admin', async () => {
    const posts: string[] = [];
    const client = {
      chat: { postMessage: async (args: { channel: string; text: string }) => void posts.push(args.channel) },
    };
    const slack = { client, auditChannel: 'C0AUDIT', admins: ['U0ADA', 'U0BEN'] };
    const processes = [1, 2, 3].map(() => reportResets({ redis, prefix: PREFIX, logger, slack }));
    const before = await resetsCounted();
    for (const report of processes) report(reset('epoch-1'));
    await expect.poll(() => [...posts].sort(), { timeout: 15_000 }).toEqual(['C0AUDIT', 'U0ADA', 'U0BEN']);
    expect(await resetsCounted()).toBe(before + 3);
    // A later reset is a new notice.
    processes[0]!(reset('epoch-2'));
    await expect.poll(() => posts.length, { timeout: 15_000 }).toBe(6);
  });

  it('retries a notice Slack refused until it goes out, still once', async () => {
    const posts: string[] = [];
    let failures = 2;
    const client = {
      chat: {
        postMessage: async (args: { channel: string }) => {
          if (failures-- > 0) throw new Error('slack is down');
          posts.push(args.channel);
        },
      },
    };
    const report = reportResets({
      redis,
      prefix: PREFIX,
      logger,
      slack: { client, auditChannel: 'C0AUDIT', admins: [] },
      retryDelayMs: () => 50,
    });
    report(reset('epoch-retry'));
    report(reset('epoch-retry'));
    await expect.poll(() => posts, { timeout: 15_000 }).toEqual(['C0AUDIT']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(posts).toEqual(['C0AUDIT']);
  });
});

describe('job schedulers', () => {
  it('are re-created when Redis lost them: by the upkeep timer, and at once on a reconnect', async () => {
    const jobs = new GrantJobs({ connection: jobConnection, prefix: JOBS_PREFIX, logger });
    try {
      await jobs.feedAuditEvery(2000);
      expect(jobs.schedulerIds()).toEqual([SCHEDULER.auditFeed]);
      expect(await jobs.ensureSchedulers()).toEqual([]);
      const check = schedulersCheck(jobs.queue, jobs.schedulerIds(), () => true);
      expect(await check.run()).toEqual({ state: 'present', ok: true });

      await jobs.queue.removeJobScheduler(SCHEDULER.auditFeed);
      expect(await check.run()).toEqual({ state: 'missing', ok: false, detail: { missing: ['audit-feed'] } });
      expect(await jobs.ensureSchedulers()).toEqual([SCHEDULER.auditFeed]);
      expect(await jobs.queue.getJobScheduler(SCHEDULER.auditFeed)).toMatchObject({ every: 2000 });
      expect(await check.run()).toEqual({ state: 'present', ok: true });

      // Through the upkeep: its timer (short here), then a reconnect with a timer too long to matter.
      const recreated: string[][] = [];
      const task = {
        name: 'schedulers',
        run: async () => void recreated.push(await jobs.ensureSchedulers()),
      };
      const ticking = startUpkeep({ tasks: [task], everyMs: 100, reconnects: [], logger });
      await jobs.queue.removeJobScheduler(SCHEDULER.auditFeed);
      await expect.poll(() => recreated.flat(), { timeout: 15_000 }).toContain(SCHEDULER.auditFeed);
      await ticking.stop();

      const connection = new EventEmitter();
      recreated.length = 0;
      const onReconnect = startUpkeep({
        tasks: [task],
        everyMs: 3_600_000,
        reconnects: [connection],
        logger,
      });
      await jobs.queue.removeJobScheduler(SCHEDULER.auditFeed);
      connection.emit('ready');
      await expect.poll(() => recreated.flat(), { timeout: 15_000 }).toEqual([SCHEDULER.auditFeed]);
      await onReconnect.stop();
      expect(connection.listenerCount('ready')).toBe(0);
    } finally {
      await jobs.close();
    }
  });

  it('of earlier versions (the deadline sweep, now a timer in each worker) are removed when a worker starts', async () => {
    const jobs = new GrantJobs({ connection: jobConnection, prefix: JOBS_PREFIX, logger });
    try {
      await jobs.queue.upsertJobScheduler('deadlines', { every: 250 }, { name: 'sweep', data: {} });
      expect(await jobs.queue.getJobScheduler('deadlines')).toBeTruthy();
      await jobs.retireSchedulers();
      expect(await jobs.queue.getJobScheduler('deadlines')).toBeFalsy();
    } finally {
      await jobs.close();
    }
  });

  it('are reported down while the job connection is not ready, without asking Redis', async () => {
    let asked = 0;
    const check = schedulersCheck(
      { getJobScheduler: async () => void asked++ },
      [SCHEDULER.auditFeed],
      () => false,
    );
    expect(await check.run()).toMatchObject({ state: 'down', ok: false });
    expect(asked).toBe(0);
  });
});

describe('worker heartbeats and readiness', () => {
  it('count live workers by Redis time; a web-only instance without one is not ready and says why', async () => {
    const key = `${PREFIX}workers`;
    const web = workersCheck(redis, key, 'web');
    const missing = await web.run();
    expect(missing).toMatchObject({ state: 'down', ok: false, detail: { alive: 0 } });
    expect(String(missing.detail?.note)).toMatch(/web-only/);

    const one = new WorkerHeartbeat(redis, key, 'host:1:a');
    const two = new WorkerHeartbeat(redis, key, 'host:2:b');
    await one.beat();
    await two.beat();
    expect(await liveWorkers(redis, key)).toBe(2);
    expect(await web.run()).toEqual({ state: 'up', ok: true, detail: { alive: 2 } });
    await one.stop();
    expect(await liveWorkers(redis, key)).toBe(1);
    // A member whose last beat is older than the window does not count.
    await redis.zadd(key, 1, 'host:2:b');
    expect(await liveWorkers(redis, key, HEARTBEAT_FRESH_MS)).toBe(0);
  });

  it('answers one JSON report: each check named, the down ones listed, details where there are some', async () => {
    const key = `${PREFIX}workers-report`;
    const checks = [redisCheck(redis, `${PREFIX}readyz:test`), workersCheck(redis, key, 'all')];
    const down = await runReadiness(checks, 5000);
    expect(down).toMatchObject({
      status: 'unavailable',
      checks: { redis: 'up', workers: 'down' },
      down: ['workers'],
    });
    await new WorkerHeartbeat(redis, key, 'host:3:c').beat();
    expect(await runReadiness(checks, 5000)).toEqual({
      status: 'ok',
      checks: { redis: 'up', workers: 'up' },
      down: [],
      details: { workers: { alive: 1 } },
    });
    // A check that never answers is down after the timeout rather than hanging the probe.
    const hung = { name: 'hung', run: () => new Promise<never>(() => undefined) };
    expect(await runReadiness([hung], 100)).toMatchObject({ down: ['hung'], checks: { hung: 'down' } });
  });
});

describe('the redis readiness check', () => {
  it('is down on a Redis that answers PING but refuses writes (out of memory under noeviction)', async () => {
    const server = await startPrivateRedis();
    const client = new Redis(server.url);
    try {
      const check = redisCheck(client, `${PREFIX}readyz:oom`);
      expect(await check.run()).toEqual({ state: 'up', ok: true });
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      await client.config('SET', 'maxmemory', '1');
      expect(await client.ping()).toBe('PONG');
      const report = await runReadiness([check], 5000);
      expect(report).toMatchObject({ status: 'unavailable', checks: { redis: 'down' }, down: ['redis'] });
      expect(String(report.details.redis?.reason)).toMatch(/OOM/);
    } finally {
      client.disconnect();
      await server.stop();
    }
  }, 30_000);
});
