// Benchmark "ceiling": the server as production runs it (the build, info logs, worker in process, Slack wired) and
// without Slack, beside the bare ceiling (bench/lib/bare-proxy.mjs) and the SDK's two floors (bench/lib/sdk-floor.mjs),
// all five alive at once on a private Redis and loaded in interleaved rounds.
import { performance } from 'node:perf_hooks';
import { startPrivateRedis } from '../../test/support/private-redis.js';
import { cpuNow, cpuSince } from '../lib/cpu.js';
import { type BenchEnvironment, startBenchEnvironment } from '../lib/gateway-env.js';
import { measureRedisPerCall, type RedisPerCall } from '../lib/redis-per-call.js';
import { round, rounded, type Summary, summarize } from '../lib/stats.js';
import {
  bareTarget,
  type CeilingTarget,
  FLOORS,
  floorTarget,
  serverTarget,
  sharedGrant,
  untilQuiet,
} from './ceiling-targets.js';
import { type LoadResult, load, type Meter } from './throughput.js';

export interface CeilingOptions {
  clients: number;
  warmup: number;
  sequential: number;
  redisSamples: number;
  warmupMs: number;
  /** Loaded time per target, split over `rounds`. */
  durationMs: number;
  /** Rounds of the loaded phase; each loads every target in turn, in an order that rotates. */
  rounds: number;
}

export interface TargetFigures {
  name: string;
  /** One client, calls one after another. */
  oneClient: Summary;
  /** `clients` concurrent clients, the rounds together. */
  loaded: LoadResult;
  /** Each round on its own, in round order: a ratio is taken per round, where the machine was the same for both. */
  rounds: LoadResult[];
  redis: RedisPerCall;
}

export interface CeilingResult {
  ceiling: TargetFigures;
  floor: TargetFigures;
  /** The SDK floor through our server's per-request savings: what the SDK costs at the least. */
  leanFloor: TargetFigures;
  noSlack: TargetFigures;
  production: TargetFigures;
  compiled: boolean;
}

/**
 * This machine's speed moves by up to 2× from one minute to the next (shared cores): a target measured alone, then
 * the next, compared two machines. All five stay up, and each round loads each of them for a slice of the time,
 * so every round's ratios compare the same minute.
 */
export async function runCeiling(
  options: CeilingOptions,
  serverProfileDir: string | undefined,
  compiled: boolean,
): Promise<CeilingResult> {
  const redis = await startPrivateRedis();
  const environments: BenchEnvironment[] = [];
  const targets: CeilingTarget[] = [];
  try {
    const plain = await startBenchEnvironment({ redisUrl: redis.url, serverProfileDir });
    environments.push(plain);
    const slack = await startBenchEnvironment({ redisUrl: redis.url, serverProfileDir, slack: true });
    environments.push(slack);
    const grantKey = await sharedGrant(plain);
    targets.push(await bareTarget(plain, redis.url, grantKey, options.clients));
    targets.push(await floorTarget(plain, redis.url, grantKey, options.clients, FLOORS.shipped));
    targets.push(await floorTarget(plain, redis.url, grantKey, options.clients, FLOORS.ours));
    targets.push(await serverTarget('server as in production (Slack)', slack, options.clients));
    targets.push(await serverTarget('server without Slack', plain, options.clients));
    const meters = targets.map((target) => meterOf(target, plain));
    const alone: Array<Awaited<ReturnType<typeof measureAlone>>> = [];
    for (const target of targets) alone.push(await measureAlone(target, redis.url, options));
    const loaded = await loadInRounds(targets, meters, options);
    const figures = targets.map((target, i) => ({ name: target.name, ...alone[i]!, ...loaded[i]! }));
    const [ceiling, floor, leanFloor, production, noSlack] = figures as [
      TargetFigures,
      TargetFigures,
      TargetFigures,
      TargetFigures,
      TargetFigures,
    ];
    return { ceiling, floor, leanFloor, production, noSlack, compiled };
  } finally {
    await Promise.allSettled(targets.map((target) => target.stop()));
    await Promise.allSettled(environments.map((bench) => bench.stop()));
    await redis.stop();
  }
}

function meterOf(target: CeilingTarget, bench: BenchEnvironment): Meter {
  return {
    start: () => cpuNow(target.pid, bench.redis),
    since: (start) => cpuSince(start, target.pid, bench.redis),
  };
}

/** One client's calls one after another, then Redis per call: no other target is called meanwhile. */
async function measureAlone(
  target: CeilingTarget,
  redisUrl: string,
  options: CeilingOptions,
): Promise<{ oneClient: Summary; redis: RedisPerCall }> {
  const one = target.calls[0]!;
  for (let i = 0; i < options.warmup; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < options.sequential; i++) {
    const start = performance.now();
    await one();
    times.push(performance.now() - start);
  }
  await untilQuiet(target);
  const redis = await measureRedisPerCall(redisUrl, one, options.redisSamples);
  return { oneClient: rounded(summarize(times)), redis };
}

/** A warm-up of each, then `rounds` rounds loading each target in turn; the first target of a round rotates. */
async function loadInRounds(
  targets: CeilingTarget[],
  meters: Meter[],
  options: CeilingOptions,
): Promise<Array<{ loaded: LoadResult; rounds: LoadResult[] }>> {
  for (const [i, target] of targets.entries()) await load(target.calls, options.warmupMs, meters[i]!);
  const slice = options.durationMs / options.rounds;
  const runs = targets.map(() => [] as Array<Awaited<ReturnType<typeof load>>>);
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (r + k) % targets.length;
      runs[i]!.push(await load(targets[i]!.calls, slice, meters[i]!));
    }
  }
  return runs.map((own) => ({ loaded: merged(own), rounds: own.map((run) => run.result) }));
}

/** The rounds of one target as one load: calls and CPU summed, latencies pooled. */
function merged(runs: Array<Awaited<ReturnType<typeof load>>>): LoadResult {
  const results = runs.map((run) => run.result);
  const calls = results.reduce((sum, r) => sum + r.calls, 0);
  const durationMs = results.reduce((sum, r) => sum + r.durationMs, 0);
  const perCall = (field: 'benchMs' | 'serverMs' | 'redisMs' | 'machineMs') => {
    if (results.some((r) => r.cpuPerCall[field] === null)) return null;
    return round(results.reduce((sum, r) => sum + r.cpuPerCall[field]! * Math.max(1, r.calls), 0) / calls, 4);
  };
  const cores = (field: keyof LoadResult['cores']) => {
    if (results.some((r) => r.cores[field] === null)) return null;
    return round(results.reduce((sum, r) => sum + r.cores[field]! * r.durationMs, 0) / durationMs, 2);
  };
  return {
    workers: results[0]!.workers,
    durationMs,
    calls,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    callsPerSecond: (calls * 1000) / durationMs,
    latency: rounded(summarize(runs.flatMap((run) => run.latencies))),
    cpuPerCall: {
      benchMs: perCall('benchMs')!,
      serverMs: perCall('serverMs'),
      redisMs: perCall('redisMs'),
      machineMs: perCall('machineMs'),
    },
    cores: {
      bench: cores('bench')!,
      server: cores('server'),
      redis: cores('redis'),
      machine: cores('machine'),
      others: cores('others'),
    },
  };
}
