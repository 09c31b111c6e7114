// Bench "cluster": `call_integration_api` at 32 concurrent clients on single Redis and on a Redis Cluster in the
// same run, then two server instances against one on the cluster (rate per busy server core), with a control:
// one instance at 16 clients, the load each of the two instances carries. Runnable alone:
// `REDIS_CLUSTER_NODES=$(scripts/redis-cluster.sh start) npx tsx bench/cluster/throughput.ts`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { redisConfig } from '../../src/config.js';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { redisFactory } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { REDIS_URL } from '../../test/support/redis.js';
import { type Environment, startEnvironment } from '../../test/support/server-process.js';
import { grantLinearRead, LINEAR_QUERY } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { DURATIONS, serverSettings, serverSpawn } from '../lib/server-settings.js';
import { summarize } from '../lib/stats.js';
import { toolCallRecorder, WireCallers } from '../lib/wire-caller.js';

export interface ClusterThroughputRow {
  setup: string;
  clients: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Server CPU (all instances) per second of wall time: the cores the servers kept busy. */
  serverCores: number | null;
  /**
   * Cores used meanwhile by the environment's other instance, which serves no client in this setup (null when
   * every instance serves): whatever one instance's load costs another (relayed events, shared jobs) shows here.
   */
  idleInstanceCores: number | null;
  /** Calls per second per busy server core. */
  callsPerServerCore: number | null;
}

export interface ClusterThroughputSettings {
  clients: number;
  /** Each round measures every setup once, in turn. */
  rounds: number;
  warmupMs: number;
  durationMs: number;
}

const DEFAULTS: ClusterThroughputSettings = { clients: 32, rounds: 3, warmupMs: 1_500, durationMs: 6_000 };

function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One approved session per client; each client's load is its SDK call replayed on the wire (lib/wire-caller.ts). */
async function clientsFor(
  env: Environment,
  urls: string[],
  count: number,
  store: RedisGrantStore,
  wire: WireCallers,
) {
  const clients: Client[] = [];
  const calls: Array<() => Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_cluster_${i}` });
    const recorder = toolCallRecorder();
    const client = await connectBenchClient(
      urls[i % urls.length]!,
      token,
      `bench-cluster-${i}`,
      recorder.fetch,
    );
    await grantLinearRead(client, store, 'cluster benchmark');
    const first = await callTool(client, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: LINEAR_QUERY,
    });
    if (first.isError) throw new Error(textOf(first));
    clients.push(client);
    calls.push(wire.caller(recorder.latest()!));
  }
  return { clients, calls };
}

async function load(
  calls: Array<() => Promise<void>>,
  durationMs: number,
  pids: Array<number | undefined>,
  idlePids: Array<number | undefined>,
  /** Calls per second offered in all (each client waits for its turn); unset: every client calls back to back. */
  pace?: number,
) {
  const latencies: number[] = [];
  let errors = 0;
  const cpuOf = (list: Array<number | undefined>) => list.reduce<number>((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = cpuOf(pids);
  const idleBefore = cpuOf(idlePids);
  const started = performance.now();
  const end = started + durationMs;
  const interval = pace ? (calls.length / pace) * 1000 : 0;
  await Promise.all(
    calls.map(async (call, i) => {
      let next = started + (interval * i) / calls.length;
      while (performance.now() < end) {
        if (interval > 0) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          // A client that fell behind starts its next call at once, without a burst to catch up.
          next = Math.max(next + interval, performance.now());
          if (performance.now() >= end) break;
        }
        const t = performance.now();
        const ok = await call().then(
          () => true,
          () => false,
        );
        if (ok) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cores = (cpuOf(pids) - cpuBefore) / 1000 / seconds;
  const idleCores = (cpuOf(idlePids) - idleBefore) / 1000 / seconds;
  const summary = summarize(latencies);
  const rate = latencies.length / seconds;
  return {
    callsPerSecond: Math.round(rate),
    p50Ms: Math.round(summary.p50 * 10) / 10,
    p99Ms: Math.round(summary.p99 * 10) / 10,
    errors,
    serverCores: Math.round(cores * 100) / 100,
    idleInstanceCores: idlePids.length > 0 ? Math.round(idleCores * 1000) / 1000 : null,
    callsPerServerCore: cores > 0 ? Math.round(rate / cores) : null,
  };
}

/** One server setup kept up for every round: its environment, its servers and its ready clients. */
interface Setup {
  name: string;
  clients: Client[];
  calls: Array<() => Promise<void>>;
  pids: Array<number | undefined>;
  /** The environment's instances that serve no client in this setup. */
  idlePids: Array<number | undefined>;
}

async function startSetup(
  redisEnvOverride: Record<string, string>,
  settingsForStore: Parameters<typeof redisFactory>[0],
  shapes: Array<{ instances: number; clients: number }>,
): Promise<{ setups: Setup[]; close(): Promise<void> }> {
  // The build, as production runs it (tsx with BENCH_TSX=1), output drained: every call logs at info.
  const env = await startEnvironment(
    { ...serverSettings(), ...redisEnvOverride, SELF_APPROVE: 'write' },
    { spawn: serverSpawn() },
  );
  const redis = redisFactory(settingsForStore).create('jobs', { maxRetriesPerRequest: 2 });
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  const wire = new WireCallers();
  const servers = [env.server];
  for (let i = 1; i < Math.max(...shapes.map((s) => s.instances)); i++) servers.push(await env.another());
  const setups: Setup[] = [];
  for (const { instances, clients } of shapes) {
    const used = servers.slice(0, instances);
    const ready = await clientsFor(
      env,
      used.map((s) => s.url),
      clients,
      store,
      wire,
    );
    setups.push({
      name: `${settingsForStore.cluster ? 'cluster' : 'single Redis'}, ${instances} instance${instances > 1 ? 's' : ''}, ${clients} clients`,
      ...ready,
      pids: used.map((s) => s.child.pid),
      idlePids: servers.slice(instances).map((s) => s.child.pid),
    });
  }
  const close = async () => {
    await Promise.allSettled(setups.flatMap((setup) => setup.clients.map((c) => c.close())));
    await wire.close();
    await store.close();
    redis.disconnect();
    await env.stop();
  };
  return { setups, close };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface ClusterThroughput {
  /** Per setup: the median of each figure over the rounds. */
  rows: ClusterThroughputRow[];
  /**
   * Per round (the setups ran back to back): cluster/single rate and p99; rate per busy core of 2 instances at
   * 32 clients against 1 instance at 32 (`perCore`) and against 1 instance at 16, the load each of the two
   * carries (`perCoreSameLoad`): what a second instance costs apart from each one serving fewer requests at once.
   */
  rounds: Array<{
    rate: number;
    p99: number;
    perCore: number | null;
    perCoreSameLoad: number | null;
    /** 2 instances against 1, both offered the same calls/s, half what 1 instance served flat out that round. */
    perCorePaced: number | null;
  }>;
}

/**
 * Single Redis (1 instance), cluster (1 instance) and cluster (2 instances), measured in turn, `rounds` times:
 * a noisy neighbour then weighs on every setup alike, and each ratio comes from one round.
 */
export async function runClusterThroughput(
  clusterNodes: string,
  options: ClusterThroughputSettings = DEFAULTS,
): Promise<ClusterThroughput> {
  const single = { url: REDIS_URL, prefix: 'cs:', cluster: null };
  // From the argument, not the tests' settings: those were read from the environment when this module loaded.
  const cluster = redisConfig({ REDIS_CLUSTER_NODES: clusterNodes });
  // The single-node server must not see the cluster: an empty value is ignored by loadConfig.
  const onSingle = { REDIS_CLUSTER_NODES: '', REDIS_URL };
  const { clients } = options;
  const half = Math.max(1, Math.round(clients / 2));
  const started = [
    await startSetup(onSingle, single, [{ instances: 1, clients }]),
    await startSetup({ REDIS_CLUSTER_NODES: clusterNodes }, cluster, [
      { instances: 1, clients },
      { instances: 2, clients },
      { instances: 1, clients: half },
    ]),
  ];
  const flatOut = started.flatMap((s) => s.setups);
  // The same clients again, offered a fixed rate: with the machine not saturated, a second instance shows what it
  // costs per call apart from two processes competing for the same cores.
  const paced = flatOut.slice(1, 3).map((setup) => ({ ...setup, name: `${setup.name}, paced` }));
  const setups = [...flatOut, ...paced];
  try {
    const measured = setups.map(() => [] as Omit<ClusterThroughputRow, 'setup' | 'clients'>[]);
    const rounds: ClusterThroughput['rounds'] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, setup] of setups.entries()) {
        // Half of what one instance on the cluster served flat out in this round.
        const pace = i >= flatOut.length ? measured[1]![round]!.callsPerSecond / 2 : undefined;
        await load(setup.calls, options.warmupMs, setup.pids, setup.idlePids, pace);
        measured[i]!.push(await load(setup.calls, options.durationMs, setup.pids, setup.idlePids, pace));
      }
      const [s, one, two, oneAtHalf, onePaced, twoPaced] = measured.map((rows) => rows[round]!);
      const perCore = (a: typeof two, b: typeof one) =>
        a!.callsPerServerCore && b!.callsPerServerCore ? a!.callsPerServerCore / b!.callsPerServerCore : null;
      rounds.push({
        rate: one!.callsPerSecond / s!.callsPerSecond,
        p99: one!.p99Ms / s!.p99Ms,
        perCore: perCore(two, one),
        perCoreSameLoad: perCore(two, oneAtHalf),
        perCorePaced: perCore(twoPaced, onePaced),
      });
    }
    const rows = setups.map((setup, i) => {
      const of = (pick: (row: (typeof measured)[number][number]) => number | null) => {
        const values = measured[i]!.map(pick).filter((x): x is number => x !== null);
        return values.length > 0 ? median(values) : null;
      };
      return {
        setup: setup.name,
        clients: setup.clients.length,
        callsPerSecond: of((r) => r.callsPerSecond)!,
        p50Ms: of((r) => r.p50Ms)!,
        p99Ms: of((r) => r.p99Ms)!,
        errors: measured[i]!.reduce((sum, r) => sum + r.errors, 0),
        serverCores: of((r) => r.serverCores),
        idleInstanceCores: of((r) => r.idleInstanceCores),
        callsPerServerCore: of((r) => r.callsPerServerCore),
      };
    });
    return { rows, rounds };
  } finally {
    for (const s of started) await s.close();
  }
}

/** The median of the per-round ratios (each from setups measured back to back). */
export function medianRatios(rounds: ClusterThroughput['rounds']) {
  const of = (pick: (r: ClusterThroughput['rounds'][number]) => number | null) => {
    const values = rounds.map(pick).filter((x): x is number => x !== null);
    return values.length > 0 ? median(values) : null;
  };
  return {
    rate: median(rounds.map((r) => r.rate)),
    p99: median(rounds.map((r) => r.p99)),
    perCore: of((r) => r.perCore),
    perCoreSameLoad: of((r) => r.perCoreSameLoad),
    perCorePaced: of((r) => r.perCorePaced),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('set REDIS_CLUSTER_NODES (e.g. $(scripts/redis-cluster.sh start))');
  const result = await runClusterThroughput(nodes);
  console.table(result.rows);
  console.table(result.rounds);
}
