// Fault bench: Redis restarts without persistence under a running server (role all, Slack stand-in), several
// times, then its data flushed without a restart (only the periodic upkeep can notice). Measured from the
// moment the empty Redis answers: until the audit feed's scheduler exists in it again, and until the reset
// is counted in /metrics; and whether each reset was reported as promised (metric, /readyz, one
// audit-channel notice, the admin's DM). Run alone: npx tsx bench/faults/redis-reset.ts
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { slotTag } from '../../src/redis/key-slot.js';
import { parsePrometheusText, sampleValue } from '../../test/integration/ops/prometheus-text.js';
import { startPrivateRedis } from '../../test/support/private-redis.js';
import { CAROL, startEnvironment } from '../../test/support/server-process.js';
import type { FaultRow } from './row.js';

const SCENARIO = 'Redis restart without persistence';
const RESTARTS = 3;
/** After the restarts, resets without a reconnect (FLUSHALL): only the periodic upkeep can notice those. */
const FLUSHES = 2;
const AUDIT_CHANNEL = 'C0GENERAL';
const NOTICE = /Redis lost its data/;
/** Gives up on one restart after this long (a miss is reported, not waited for forever). */
const GIVE_UP_MS = 60_000;
const SCHEDULERS_TARGET_S = 5;

export async function runRedisResetFaults(): Promise<FaultRow[]> {
  const redis = await startPrivateRedis();
  const env = await startEnvironment({ REDIS_URL: redis.url, SELF_APPROVE: 'read' }, { slack: 'http' });
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  const queue = new Queue('grants', {
    connection: client,
    prefix: slotTag(env.prefix, 'jobs'),
  });
  const resetsCounted = async () => {
    const text = await (await fetch(`${env.server.url}/metrics`)).text();
    return sampleValue(parsePrometheusText(text), 'countersign_redis_resets_total', {});
  };
  const restarts = { schedulers: [] as number[], detected: [] as number[] };
  const flushes = { schedulers: [] as number[], detected: [] as number[] };
  let reported = 0;
  /** Measures from `back` (the empty Redis answering) and checks the reset was reported as the `n`-th. */
  const measure = async (n: number, back: number, into: typeof restarts) => {
    const [schedulers, detected] = await Promise.all([
      until(async () => Boolean(await queue.getJobScheduler('audit-feed').catch(() => null)), back),
      until(async () => (await resetsCounted()) >= n, back),
    ]);
    if (schedulers !== null) into.schedulers.push(schedulers);
    if (detected !== null) into.detected.push(detected);
    // Reported: the readiness field, one notice in the audit channel and one DM to the admin, per reset.
    const slack = env.slack!;
    const notices = () => slack.messages(AUDIT_CHANNEL).filter((m) => NOTICE.test(m.text)).length;
    const dms = () => slack.dmOf(CAROL.id).filter((m) => NOTICE.test(m.text)).length;
    const ok = await until(async () => {
      const body = (await (await fetch(`${env.server.url}/readyz`)).json()) as {
        checks: Record<string, string>;
        details?: { epoch?: { resets?: number } };
      };
      return (
        body.checks.epoch === 'reset' && body.details?.epoch?.resets === n && notices() === n && dms() === n
      );
    }, performance.now());
    if (ok !== null && detected !== null) reported++;
  };
  try {
    await until(async () => Boolean(await queue.getJobScheduler('audit-feed')), performance.now());
    for (let n = 1; n <= RESTARTS; n++) {
      const exited = new Promise((resolve) => redis.process().once('exit', resolve));
      redis.kill();
      await exited;
      await redis.start();
      await measure(n, performance.now(), restarts);
    }
    for (let n = RESTARTS + 1; n <= RESTARTS + FLUSHES; n++) {
      await client.flushall();
      await measure(n, performance.now(), flushes);
    }
  } finally {
    await queue.close().catch(() => undefined);
    client.disconnect();
    await env.stop();
    await redis.stop();
  }
  const worst = (xs: number[]) => (xs.length === 0 ? Number.NaN : Math.max(...xs));
  const seconds = (xs: number[], of: number) =>
    xs.length === of
      ? `${worst(xs).toFixed(2)} s (each: ${xs.map((x) => x.toFixed(2)).join(', ')})`
      : `${of - xs.length} of ${of} never`;
  const restartScenario = `${SCENARIO} (${RESTARTS} restarts)`;
  const flushScenario = `Redis data flushed, no reconnect (${FLUSHES} × FLUSHALL)`;
  const total = RESTARTS + FLUSHES;
  return [
    {
      scenario: restartScenario,
      metric: 'schedulers back after Redis answers, worst',
      value: seconds(restarts.schedulers, RESTARTS),
      target: `≤ ${SCHEDULERS_TARGET_S} s`,
      met: restarts.schedulers.length === RESTARTS && worst(restarts.schedulers) <= SCHEDULERS_TARGET_S,
    },
    {
      scenario: restartScenario,
      metric: 'reset counted in /metrics after Redis answers, worst',
      value: seconds(restarts.detected, RESTARTS),
    },
    {
      scenario: flushScenario,
      metric: 'schedulers back after the flush (periodic upkeep only), worst',
      value: seconds(flushes.schedulers, FLUSHES),
      target: `≤ ${SCHEDULERS_TARGET_S} s`,
      met: flushes.schedulers.length === FLUSHES && worst(flushes.schedulers) <= SCHEDULERS_TARGET_S,
    },
    {
      scenario: flushScenario,
      metric: 'reset counted in /metrics after the flush, worst',
      value: seconds(flushes.detected, FLUSHES),
    },
    {
      scenario: `${SCENARIO}, and flushed`,
      metric: 'each reset detected and reported (metric, /readyz, 1 audit notice, admin DM)',
      value: reported === total ? `yes (${reported}/${total})` : `no (${reported}/${total})`,
      target: 'yes',
      met: reported === total,
    },
  ];
}

/**
 * Polls `done` every 50 ms; the seconds from `since` (a performance.now()) until it held, or null when it
 * still did not after GIVE_UP_MS.
 */
async function until(done: () => Promise<boolean>, since: number): Promise<number | null> {
  const deadline = performance.now() + GIVE_UP_MS;
  while (performance.now() < deadline) {
    if (await done().catch(() => false)) return (performance.now() - since) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runRedisResetFaults();
  console.table(rows);
  process.exit(0);
}
