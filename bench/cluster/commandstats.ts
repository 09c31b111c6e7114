// Bench "cluster": Redis commands and bytes per tool call, per access request and per decision, from INFO
// commandstats/stats deltas summed over the masters, and the server's CPU per call. Runnable alone on a cluster
// nobody else uses: `REDIS_CLUSTER_NODES=$(scripts/redis-cluster.sh start) npx tsx bench/cluster/commandstats.ts`.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { redisConfig } from '../../src/config.js';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { isCluster, masters, type RedisClient, redisFactory } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../../test/support/mcp-client.js';
import { startEnvironment } from '../../test/support/server-process.js';
import { APPROVER, LINEAR_QUERY } from '../lib/gateway-env.js';
import { DURATIONS, serverSettings } from '../lib/server-settings.js';
import { type RoundTripRelays, startRoundTripRelays } from './round-trips.js';

export interface CommandStatsRow {
  operation: string;
  samples: number;
  /** Redis commands per operation (EVALSHA counts once, whatever its script does). */
  commands: number;
  /** The commonest commands per operation, e.g. "evalsha 2, get 1". */
  top: string;
  /** Chunks the server sent to Redis (pipelined commands travel together): round trips, for a sequential client. */
  roundTrips: number;
  bytesIn: number;
  bytesOut: number;
  /** Server process CPU per operation (user + sys), ms. */
  serverCpuMs: number | null;
  /** Redis CPU per operation (user + sys, all masters), µs. */
  redisCpuUs: number;
}

export type Counters = {
  calls: Map<string, number>;
  /** Chunks the relays saw (round trips); 0 without relays. */
  writes: number;
  bytesIn: number;
  bytesOut: number;
  redisCpuMs: number;
};

/** INFO commandstats, stats and cpu summed over the masters (also bench/lib/redis-per-call.ts), and the relays' chunks. */
export async function counters(redis: RedisClient, relays?: RoundTripRelays): Promise<Counters> {
  const writes = relays?.writes() ?? 0;
  const calls = new Map<string, number>();
  let bytesIn = 0;
  let bytesOut = 0;
  let redisCpuMs = 0;
  for (const node of masters(redis)) {
    const cpu = await node.info('cpu');
    for (const name of ['used_cpu_user', 'used_cpu_sys']) {
      redisCpuMs += 1000 * Number(new RegExp(`${name}:([0-9.]+)`).exec(cpu)?.[1] ?? 0);
    }
    const stats = await node.info('commandstats');
    for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + Number(match[2]));
    }
    const info = await node.info('stats');
    bytesIn += Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1] ?? 0);
    bytesOut += Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? 0);
  }
  return { calls, writes, bytesIn, bytesOut, redisCpuMs };
}

function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Commands per millisecond an idle server sends anyway (each worker's 250 ms deadline sweep, schedulers, INFO). */
type Background = {
  perMs: Map<string, number>;
  writesPerMs: number;
  bytesInPerMs: number;
  bytesOutPerMs: number;
  cpuPerMs: number;
  redisCpuPerMs: number;
};

/**
 * What `operation` costs, run `samples` times, the jobs it causes included and the idle background (measured
 * first, with `background` null) subtracted.
 */
async function measure(
  redis: RedisClient,
  relays: RoundTripRelays,
  pid: number | undefined,
  operation: string,
  samples: number,
  run: (i: number) => Promise<void>,
  background: Background | null,
): Promise<CommandStatsRow & { background: Background }> {
  const before = await counters(redis, relays);
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  for (let i = 0; i < samples; i++) await run(i);
  // Let the jobs the operations caused (refresh, usage) run, so they are counted with them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = await counters(redis, relays);
  const cpuAfter = cpuMs(pid);
  const elapsed = performance.now() - started;
  const idle = (name: string) => (background?.perMs.get(name) ?? 0) * elapsed;
  const delta = [...after.calls].map(
    ([name, n]) => [name, Math.max(0, n - (before.calls.get(name) ?? 0) - idle(name))] as const,
  );
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const measured: Background = {
    perMs: new Map(delta.map(([name, n]) => [name, n / elapsed])),
    writesPerMs: (after.writes - before.writes) / elapsed,
    bytesInPerMs: (after.bytesIn - before.bytesIn) / elapsed,
    bytesOutPerMs: (after.bytesOut - before.bytesOut) / elapsed,
    cpuPerMs: (cpu ?? 0) / elapsed,
    redisCpuPerMs: (after.redisCpuMs - before.redisCpuMs) / elapsed,
  };
  // INFO itself is ours, not the product's.
  const used = delta.filter(([name, n]) => n > 0 && name !== 'info');
  const total = used.reduce((sum, [, n]) => sum + n, 0);
  return {
    operation,
    samples,
    commands: round(total / samples),
    top: used
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, n]) => `${name} ${round(n / samples)}`)
      .join(', '),
    roundTrips: round((after.writes - before.writes - (background?.writesPerMs ?? 0) * elapsed) / samples),
    bytesIn: Math.round(
      (after.bytesIn - before.bytesIn - (background?.bytesInPerMs ?? 0) * elapsed) / samples,
    ),
    bytesOut: Math.round(
      (after.bytesOut - before.bytesOut - (background?.bytesOutPerMs ?? 0) * elapsed) / samples,
    ),
    serverCpuMs: cpu === null ? null : round((cpu - (background?.cpuPerMs ?? 0) * elapsed) / samples),
    redisCpuUs: Math.round(
      (1000 * (after.redisCpuMs - before.redisCpuMs - (background?.redisCpuPerMs ?? 0) * elapsed)) / samples,
    ),
    background: measured,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runCommandStats(
  clusterNodes: string,
  samples = { calls: 300, requests: 60 },
): Promise<CommandStatsRow[]> {
  // Its own client on the cluster (the tests' settings were read from the environment when this module loaded).
  const redis = redisFactory(redisConfig({ REDIS_CLUSTER_NODES: clusterNodes })).create('jobs', {
    maxRetriesPerRequest: 20,
  });
  if (isCluster(redis) && redis.status !== 'ready') await once(redis, 'ready');
  const relays = await startRoundTripRelays(
    masters(redis).map((node) => ({ host: node.options.host!, port: node.options.port! })),
  );
  const env = await startEnvironment({
    ...serverSettings(),
    ...relays.env,
    SELF_APPROVE: 'write',
    REMINDER_AT: '0',
  });
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  const pid = env.server.child.pid;
  const connect = async (sid: string): Promise<Client> =>
    connectClient(env.server.url, await env.workos.mintAccessToken(ALICE.id, { sid }));
  const request = async (client: Client) => {
    const result = await callTool(client, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      durationMinutes: 60,
    });
    if (result.isError) throw new Error(textOf(result));
    return result.structuredContent!.requestId as string;
  };
  try {
    const caller = await connect('bench_cs_calls');
    const grant = await request(caller);
    await store.approve(grant, APPROVER, {});
    const call = async () => {
      const result = await callTool(caller, 'call_integration_api', {
        url: `${env.demo.linearUrl}/graphql`,
        body: LINEAR_QUERY,
      });
      if (result.isError) throw new Error(textOf(result));
    };
    await call();
    const idle = await measure(redis, relays, pid, 'idle server, per second', 5, () => sleep(1000), null);
    const { background } = idle;
    // Per second of idleness (the settle time included), not per sample.
    const perSecond = [...background.perMs].reduce((sum, [, n]) => sum + n * 1000, 0);
    const rows: CommandStatsRow[] = [
      {
        ...idle,
        samples: 1,
        commands: round(perSecond),
        roundTrips: round(background.writesPerMs * 1000),
        bytesIn: Math.round(background.bytesInPerMs * 1000),
        bytesOut: Math.round(background.bytesOutPerMs * 1000),
        serverCpuMs: round(background.cpuPerMs * 1000),
        redisCpuUs: Math.round(background.redisCpuPerMs * 1_000_000),
      },
    ];
    rows.push(await measure(redis, relays, pid, 'call_integration_api', samples.calls, call, background));
    // One session per request, so none supersedes another: each is a whole new pending grant.
    const requesters = await Promise.all(
      Array.from({ length: samples.requests }, (_, i) => connect(`bench_cs_req_${i}`)),
    );
    const ids: string[] = [];
    rows.push(
      await measure(
        redis,
        relays,
        pid,
        'request_elevated_access (pending)',
        samples.requests,
        async (i) => {
          ids.push(await request(requesters[i]!));
        },
        background,
      ),
    );
    rows.push(
      await measure(
        redis,
        relays,
        pid,
        'decision (approve) + its jobs',
        samples.requests,
        async (i) => {
          const result = await store.approve(ids[i]!, APPROVER, {});
          if (!result.ok) throw new Error(`approve failed: ${result.code}`);
        },
        background,
      ),
    );
    rows.push(
      await measure(
        redis,
        relays,
        pid,
        'release_access (end)',
        samples.requests,
        async (i) => {
          const result = await callTool(requesters[i]!, 'release_access', {});
          if (result.isError) throw new Error(textOf(result));
        },
        background,
      ),
    );
    await Promise.allSettled([caller, ...requesters].map((c) => c.close()));
    return rows.map(({ background: _unused, ...row }: CommandStatsRow & { background?: Background }) => row);
  } finally {
    await store.close();
    redis.disconnect();
    await env.stop();
    await relays.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('set REDIS_CLUSTER_NODES (e.g. $(scripts/redis-cluster.sh start))');
  console.table(await runCommandStats(nodes));
}
