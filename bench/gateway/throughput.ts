// Benchmark 2: calls/s with many concurrent MCP clients (each its own approved session) vs direct upstream workers.
import { performance } from 'node:perf_hooks';
import { type CpuSample, cpuNow, cpuSince } from '../lib/cpu.js';
import type { BenchEnvironment } from '../lib/gateway-env.js';
import { round, rounded, type Summary, summarize } from '../lib/stats.js';

export interface ThroughputOptions {
  clients: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  workers: number;
  durationMs: number;
  calls: number;
  errors: number;
  callsPerSecond: number;
  latency: Summary;
  /** CPU ms per completed call: this process (clients and the demo provider), the server child, Redis. */
  cpuPerCall: CpuSample;
  /** Cores kept busy on average (CPU time / wall time); the machine has os.cpus().length. */
  cores: Cores;
}

export interface Cores {
  bench: number;
  server: number | null;
  redis: number | null;
  machine: number | null;
  /** Everything else that ran meanwhile (tests, compilers): the bench shares the machine. */
  others: number | null;
}

export interface ThroughputResult {
  viaServer: LoadResult;
  direct: LoadResult;
  /** Through the server as a share of direct. */
  ratio: number;
  firstError: string | null;
}

export type Meter = { start(): Promise<CpuSample>; since(start: CpuSample): Promise<CpuSample> };

export async function runThroughput(
  bench: BenchEnvironment,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, (_, i) => bench.connect(`load_${i}`)),
  );
  // Sequentially: request and approval are not what is measured here.
  for (const client of clients) await bench.grantLinearRead(client);
  const meter: Meter = {
    start: () => cpuNow(bench.serverPid, bench.redis),
    since: (start) => cpuSince(start, bench.serverPid, bench.redis),
  };
  // Replayed on the wire (lib/wire-caller.ts), as the direct workers' calls are made: one kind of load generator.
  const workers = await Promise.all(clients.map((client) => bench.wireCallLinear(client)));
  await load(workers, options.warmupMs, meter);
  const viaServer = await load(workers, options.durationMs, meter);

  const direct = await bench.direct();
  try {
    const directWorkers = clients.map(() => () => direct.call());
    await load(directWorkers, Math.min(1_000, options.warmupMs), meter);
    const straight = await load(directWorkers, options.durationMs, meter);
    return {
      viaServer: viaServer.result,
      direct: straight.result,
      ratio: viaServer.result.callsPerSecond / straight.result.callsPerSecond,
      firstError: viaServer.firstError ?? straight.firstError,
    };
  } finally {
    await direct.close();
  }
}

function others(used: CpuSample): number | null {
  if (used.machineMs === null || used.serverMs === null || used.redisMs === null) return null;
  return Math.max(0, used.machineMs - used.benchMs - used.serverMs - used.redisMs);
}

/** Each worker calls back to back until the time is up; calls started before the end are counted. */
export async function load(
  workers: Array<() => Promise<void>>,
  durationMs: number,
  meter: Meter,
): Promise<{ result: LoadResult; firstError: string | null; latencies: number[] }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const cpu = await meter.start();
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    workers.map(async (work) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await work();
          latencies.push(performance.now() - t);
        } catch (error) {
          errors++;
          firstError ??= String(error);
          // Errors are answered fast; do not let a broken run spin.
          if (errors > 1_000) return;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = await meter.since(cpu);
  const calls = Math.max(1, latencies.length);
  const per = (x: number | null, by: number, digits: number) => (x === null ? null : round(x / by, digits));
  return {
    result: {
      workers: workers.length,
      durationMs: Math.round(elapsed),
      calls: latencies.length,
      errors,
      callsPerSecond: (latencies.length * 1000) / elapsed,
      latency: rounded(summarize(latencies)),
      cpuPerCall: {
        benchMs: round(used.benchMs / calls, 4),
        serverMs: per(used.serverMs, calls, 4),
        redisMs: per(used.redisMs, calls, 4),
        machineMs: per(used.machineMs, calls, 4),
      },
      cores: {
        bench: round(used.benchMs / elapsed, 2),
        server: per(used.serverMs, elapsed, 2),
        redis: per(used.redisMs, elapsed, 2),
        machine: per(used.machineMs, elapsed, 2),
        others: per(others(used), elapsed, 2),
      },
    },
    firstError,
    latencies,
  };
}
