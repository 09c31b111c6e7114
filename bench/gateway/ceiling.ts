// Benchmark "ceiling": the server as production runs it (the build, info logs, worker in process, Slack wired) and
// without Slack, beside the bare ceiling (bench/lib/bare-proxy.mjs) in the same run, on a private Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startPrivateRedis } from '../../test/support/private-redis.js';
import { cpuNow, cpuSince } from '../lib/cpu.js';
import { type BenchEnvironment, LINEAR_QUERY, sleep, startBenchEnvironment } from '../lib/gateway-env.js';
import { measureRedisPerCall, type RedisPerCall } from '../lib/redis-per-call.js';
import { USAGE_REFRESH_MS } from '../lib/server-settings.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';
import { type LoadResult, load } from './throughput.js';

export interface CeilingOptions {
  clients: number;
  warmup: number;
  sequential: number;
  redisSamples: number;
  warmupMs: number;
  durationMs: number;
}

export interface TargetFigures {
  name: string;
  /** One client, calls one after another. */
  oneClient: Summary;
  /** `clients` concurrent clients. */
  loaded: LoadResult;
  redis: RedisPerCall;
}

export interface CeilingResult {
  ceiling: TargetFigures;
  noSlack: TargetFigures;
  production: TargetFigures;
  compiled: boolean;
}

type Call = () => Promise<void>;

export async function runCeiling(
  options: CeilingOptions,
  serverProfileDir: string | undefined,
  compiled: boolean,
): Promise<CeilingResult> {
  const redis = await startPrivateRedis();
  try {
    const bare = await withEnvironment({ redisUrl: redis.url, serverProfileDir }, async (bench) => {
      const ceiling = await measureCeiling(bench, redis.url, options);
      const noSlack = await measureServer('server without Slack', bench, redis.url, options);
      return { ceiling, noSlack };
    });
    const production = await withEnvironment(
      { redisUrl: redis.url, serverProfileDir, slack: true },
      (bench) => measureServer('server as in production (Slack)', bench, redis.url, options),
    );
    return { ...bare, production, compiled };
  } finally {
    await redis.stop();
  }
}

async function withEnvironment<T>(
  options: Parameters<typeof startBenchEnvironment>[0],
  run: (bench: BenchEnvironment) => Promise<T>,
): Promise<T> {
  const bench = await startBenchEnvironment(options);
  try {
    return await run(bench);
  } finally {
    await bench.stop();
  }
}

async function measureServer(
  name: string,
  bench: BenchEnvironment,
  redisUrl: string,
  options: CeilingOptions,
): Promise<TargetFigures> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, (_, i) => bench.connect(`ceiling_${i}`)),
  );
  for (const client of clients) await bench.grantLinearRead(client);
  // The same load generator as the ceiling's: requests on an undici Pool (the SDK client's exact bytes, replayed).
  const calls = await Promise.all(clients.map((client) => bench.wireCallLinear(client)));
  await bench.grantJobsSettled(SETTLE_MAX_MS);
  return measure(name, calls, bench, bench.serverPid, redisUrl, options, usageWindowAfter(Date.now()));
}

/** The bare proxy on the same Redis and upstream, with the Pipes token the server used. */
async function measureCeiling(
  bench: BenchEnvironment,
  redisUrl: string,
  options: CeilingOptions,
): Promise<TargetFigures> {
  const first = await bench.connect('ceiling_token');
  await bench.grantLinearRead(first);
  await bench.callLinear(first);
  const token = bench.env.demo
    .calls()
    .at(-1)
    ?.authorization?.replace(/^Bearer /, '');
  if (!token) throw new Error('no Pipes token seen upstream');
  const grantKey = `${bench.env.prefix}bare:grant`;
  await bench.redis.set(grantKey, JSON.stringify({ status: 'approved', token }), 'PX', 3_600_000);
  const proxy = await spawnBareProxy({
    REDIS_URL: redisUrl,
    GRANT_KEY: grantKey,
    UPSTREAM: bench.env.demo.linearUrl,
  });
  const pool = new Pool(proxy.url, { connections: 64, keepAliveTimeout: 30_000 });
  const body = JSON.stringify(LINEAR_QUERY);
  const call: Call = async () => {
    const res = await pool.request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const parsed = (await res.body.json()) as { body?: { data?: unknown } };
    if (res.statusCode !== 200 || !parsed.body?.data)
      throw new Error(`bare proxy answered ${res.statusCode}`);
  };
  try {
    const calls = Array.from({ length: options.clients }, () => call);
    return await measure('bare ceiling', calls, bench, proxy.child.pid, redisUrl, options);
  } finally {
    await pool.close();
    proxy.child.kill('SIGTERM');
  }
}

async function measure(
  name: string,
  calls: Call[],
  bench: BenchEnvironment,
  pid: number | undefined,
  redisUrl: string,
  options: CeilingOptions,
  /** Epoch ms before which Redis per call is not measured (see usageWindowAfter); none for the ceiling. */
  quietFrom = 0,
): Promise<TargetFigures> {
  const one = calls[0]!;
  for (let i = 0; i < options.warmup; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < options.sequential; i++) {
    const start = performance.now();
    await one();
    times.push(performance.now() - start);
  }
  await sleep(quietFrom - Date.now());
  const redis = await measureRedisPerCall(redisUrl, one, options.redisSamples);
  const meter = {
    start: () => cpuNow(pid, bench.redis),
    since: (start: Awaited<ReturnType<typeof cpuNow>>) => cpuSince(start, pid, bench.redis),
  };
  await load(calls, options.warmupMs, meter);
  const { result } = await load(calls, options.durationMs, meter);
  return { name, oneClient: rounded(summarize(times)), loaded: result, redis };
}

/** Longest the setup's grant refreshes are waited for before measuring (32 self-approval posts into one DM). */
const SETTLE_MAX_MS = 90_000;

/**
 * When the usage re-renders caused by the calls made before `at` have run: one per grant, at the end of the
 * USAGE_REFRESH window of its calls, plus a second for the jobs to finish. The setup's first call on each of the
 * 32 grants leaves 32 of them; on a fast machine the one-client phase ends before they are due, and Redis per call
 * then counted them (3.8 commands a call instead of 2.1) although they belong to no call it measures.
 */
function usageWindowAfter(at: number): number {
  return (Math.floor(at / USAGE_REFRESH_MS) + 1) * USAGE_REFRESH_MS + 1_000;
}

async function spawnBareProxy(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../lib/bare-proxy.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`bare proxy did not start: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`bare proxy exited with ${code}: ${output}`)));
  });
  return { url, child };
}
