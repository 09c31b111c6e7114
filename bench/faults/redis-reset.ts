// Fault bench: Redis restarts without persistence under a running server (role all, Slack stand-in), several
// times. Measured from the moment the empty Redis answers again: until the deadline-sweep scheduler exists in
// it again, and until the reset is counted in /metrics; and whether each reset was reported as promised
// (metric, /readyz, one audit-channel notice, the admin's DM). Run alone: npx tsx bench/faults/redis-reset.ts
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parsePrometheusText, sampleValue } from '../../test/integration/ops/prometheus-text.js';
import { startPrivateRedis } from '../../test/support/private-redis.js';
import { CAROL, startEnvironment } from '../../test/support/server-process.js';
import type { FaultRow } from './row.js';

const SCENARIO = 'Redis restart without persistence';
const RESTARTS = 3;
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
    prefix: `{${env.prefix.replace(/[:{}]/g, '')}-jobs}`,
  });
  const resetsCounted = async () => {
    const text = await (await fetch(`${env.server.url}/metrics`)).text();
    return sampleValue(parsePrometheusText(text), 'countersign_redis_resets_total', {});
  };
  const schedulersSeconds: number[] = [];
  const detectedSeconds: number[] = [];
  let reported = 0;
  try {
    await until(async () => Boolean(await queue.getJobScheduler('deadlines')), GIVE_UP_MS);
    for (let restart = 1; restart <= RESTARTS; restart++) {
      const exited = new Promise((resolve) => redis.process().once('exit', resolve));
      redis.kill();
      await exited;
      await redis.start();
      const back = performance.now();
      const [schedulers, detected] = await Promise.all([
        until(async () => Boolean(await queue.getJobScheduler('deadlines').catch(() => null)), GIVE_UP_MS),
        until(async () => (await resetsCounted()) >= restart, GIVE_UP_MS),
      ]);
      if (schedulers) schedulersSeconds.push((performance.now() - back) / 1000);
      if (detected) detectedSeconds.push((performance.now() - back) / 1000);
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
          body.checks.epoch === 'reset' &&
          body.details?.epoch?.resets === restart &&
          notices() === restart &&
          dms() === restart
        );
      }, GIVE_UP_MS);
      if (ok && detected) reported++;
    }
  } finally {
    await queue.close().catch(() => undefined);
    client.disconnect();
    await env.stop();
    await redis.stop();
  }
  const worst = (xs: number[]) => (xs.length === 0 ? Number.NaN : Math.max(...xs));
  const seconds = (xs: number[]) =>
    xs.length === RESTARTS
      ? `${worst(xs).toFixed(2)} s (each: ${xs.map((x) => x.toFixed(2)).join(', ')})`
      : `${RESTARTS - xs.length} of ${RESTARTS} never`;
  return [
    {
      scenario: `${SCENARIO} (${RESTARTS} restarts)`,
      metric: 'schedulers back after Redis answers, worst',
      value: seconds(schedulersSeconds),
      target: `≤ ${SCHEDULERS_TARGET_S} s`,
      met: schedulersSeconds.length === RESTARTS && worst(schedulersSeconds) <= SCHEDULERS_TARGET_S,
    },
    {
      scenario: `${SCENARIO} (${RESTARTS} restarts)`,
      metric: 'reset detected (counted in /metrics) after Redis answers, worst',
      value: seconds(detectedSeconds),
    },
    {
      scenario: `${SCENARIO} (${RESTARTS} restarts)`,
      metric: 'reset detected and reported (metric, /readyz, 1 audit notice, admin DM)',
      value: reported === RESTARTS ? `yes (${reported}/${RESTARTS})` : `no (${reported}/${RESTARTS})`,
      target: 'yes',
      met: reported === RESTARTS,
    },
  ];
}

/** Polls `done` every 50 ms; false when it is still not true after `timeoutMs`. */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await done().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runRedisResetFaults();
  console.table(rows);
  process.exit(0);
}
