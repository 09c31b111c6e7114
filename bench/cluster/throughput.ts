// Bench "cluster": `call_integration_api` at 32 concurrent clients on single Redis and on a Redis Cluster in the
// same run, then two server instances against one on the cluster (rate per busy server core). Runnable alone:
// `REDIS_CLUSTER_NODES=$(scripts/redis-cluster.sh start) npx tsx bench/cluster/throughput.ts`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { redisFactory } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { REDIS_URL, testRedisSettings } from '../../test/support/redis.js';
import { type Environment, startEnvironment } from '../../test/support/server-process.js';
import { APPROVER, LINEAR_QUERY } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { DURATIONS, serverSettings } from '../lib/server-settings.js';
import { summarize } from '../lib/stats.js';

export interface ClusterThroughputRow {
  setup: string;
  clients: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Server CPU (all instances) per second of wall time: the cores the servers kept busy. */
  serverCores: number | null;
  /** Calls per second per busy server core. */
  callsPerServerCore: number | null;
}

export interface ClusterThroughputSettings {
  clients: number;
  warmupMs: number;
  durationMs: number;
}

const DEFAULTS: ClusterThroughputSettings = { clients: 32, warmupMs: 1_500, durationMs: 8_000 };

function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function clientsFor(env: Environment, urls: string[], count: number, store: RedisGrantStore) {
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_cluster_${i}` });
    const client = await connectBenchClient(urls[i % urls.length]!, token, `bench-cluster-${i}`);
    const requested = await callTool(client, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      durationMinutes: 60,
    });
    if (requested.isError) throw new Error(textOf(requested));
    const approved = await store.approve(requested.structuredContent!.requestId as string, APPROVER, {});
    if (!approved.ok) throw new Error(`approve failed: ${approved.code}`);
    clients.push(client);
  }
  return clients;
}

async function load(
  env: Environment,
  clients: Client[],
  durationMs: number,
  pids: Array<number | undefined>,
) {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = pids.reduce<number>((sum, pid) => sum + cpuMs(pid), 0);
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const t = performance.now();
        const result = await callTool(client, 'call_integration_api', {
          url: `${env.demo.linearUrl}/graphql`,
          body: LINEAR_QUERY,
        }).catch(() => null);
        if (result && !result.isError) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cores = (pids.reduce<number>((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore) / 1000 / seconds;
  const summary = summarize(latencies);
  const rate = latencies.length / seconds;
  return {
    callsPerSecond: Math.round(rate),
    p50Ms: Math.round(summary.p50 * 10) / 10,
    p99Ms: Math.round(summary.p99 * 10) / 10,
    errors,
    serverCores: Math.round(cores * 100) / 100,
    callsPerServerCore: cores > 0 ? Math.round(rate / cores) : null,
  };
}

async function measureSetup(
  setup: string,
  redisEnvOverride: Record<string, string>,
  settingsForStore: Parameters<typeof redisFactory>[0],
  instances: number,
  options: ClusterThroughputSettings,
): Promise<ClusterThroughputRow> {
  const env = await startEnvironment({ ...serverSettings(), ...redisEnvOverride, SELF_APPROVE: 'write' });
  const redis = redisFactory(settingsForStore).create('jobs', { maxRetriesPerRequest: 2 });
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  try {
    const servers = [env.server];
    for (let i = 1; i < instances; i++) servers.push(await env.another());
    const clients = await clientsFor(
      env,
      servers.map((s) => s.url),
      options.clients,
      store,
    );
    const pids = servers.map((s) => s.child.pid);
    await load(env, clients, options.warmupMs, pids);
    const row = await load(env, clients, options.durationMs, pids);
    await Promise.allSettled(clients.map((c) => c.close()));
    return { setup, clients: options.clients, ...row };
  } finally {
    await store.close();
    redis.disconnect();
    await env.stop();
  }
}

export async function runClusterThroughput(
  clusterNodes: string,
  options: ClusterThroughputSettings = DEFAULTS,
): Promise<ClusterThroughputRow[]> {
  const single = { url: REDIS_URL, prefix: 'cs:', cluster: null };
  const cluster = testRedisSettings();
  if (!cluster.cluster) throw new Error('set REDIS_CLUSTER_NODES to a cluster nobody else loads');
  const onCluster = { REDIS_CLUSTER_NODES: clusterNodes };
  // The single-node server must not see the cluster: an empty value is ignored by loadConfig.
  const onSingle = { REDIS_CLUSTER_NODES: '', REDIS_URL };
  return [
    await measureSetup('single Redis, 1 instance', onSingle, single, 1, options),
    await measureSetup('cluster, 1 instance', onCluster, cluster, 1, options),
    await measureSetup('cluster, 2 instances', onCluster, cluster, 2, options),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('set REDIS_CLUSTER_NODES (e.g. $(scripts/redis-cluster.sh start))');
  console.table(await runClusterThroughput(nodes));
}
