// Bench "cluster": a master SIGKILLed under load on a 3 + 3 cluster of the bench's own. How long calls whose
// grants live on the dead master fail, how many calls fail in all, and how many acknowledged grant approvals
// the failover loses (asynchronous replication). Runnable alone: `npx tsx bench/cluster/failover.ts`.
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { redisConfig } from '../../src/config.js';
import { parseGrantId } from '../../src/grants/keys.js';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { type RedisClient, redisFactory } from '../../src/redis/connections.js';
import { keySlot } from '../../src/redis/key-slot.js';
import { ALICE } from '../../src/sandbox/people.js';
import { startAckedWrites } from '../../test/support/acked-writes.js';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { startPrivateCluster } from '../../test/support/private-cluster.js';
import { startEnvironment } from '../../test/support/server-process.js';
import { APPROVER, LINEAR_QUERY } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { DURATIONS, serverSettings } from '../lib/server-settings.js';

export interface FailoverRow {
  clients: number;
  /** Clients whose session (grant keys) lives on the master that was killed. */
  clientsOnKilledMaster: number;
  calls: number;
  failedCalls: number;
  /**
   * From the kill until calls succeed again: the later of the last failed call's end and the first success of a
   * client on the killed master (a call may wait out the failover inside the cluster client instead of failing).
   */
  secondsUntilCallsSucceed: number | null;
  /** The slowest call that started before the recovery, in seconds. */
  slowestCallSeconds: number;
  approvalsAcknowledged: number;
  approvalsLost: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The master serving `slot`, as its port, from the cluster client's slot map. */
function masterPort(redis: RedisClient, slot: number): number {
  const nodes = (redis as unknown as { slots: string[][] }).slots[slot];
  return Number(nodes?.[0]?.split(':')[1]);
}

export async function runFailover(clients = 12, loadMs = 4_000): Promise<FailoverRow> {
  const cluster = await startPrivateCluster({ replicas: 1 });
  const env = await startEnvironment({
    ...serverSettings(),
    REDIS_CLUSTER_NODES: cluster.nodes,
    SELF_APPROVE: 'write',
  });
  const settings = redisConfig({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: env.prefix });
  const redis = redisFactory(settings).create('jobs', { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  const callers: Array<{ client: Client; slot: number }> = [];
  try {
    for (let i = 0; i < clients; i++) {
      const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_failover_${i}` });
      const client = await connectBenchClient(env.server.url, token, `bench-failover-${i}`);
      const requested = await callTool(client, 'request_elevated_access', {
        kind: 'session',
        level: 'read',
        providers: ['linear'],
        durationMinutes: 60,
      });
      if (requested.isError) throw new Error(textOf(requested));
      const id = requested.structuredContent!.requestId as string;
      const approved = await store.approve(id, APPROVER, {});
      if (!approved.ok) throw new Error(`approve failed: ${approved.code}`);
      callers.push({ client, slot: keySlot(`{s:${parseGrantId(id)!.sessionHash}}`) });
    }
    // Kill the master that holds most callers' grants.
    const byPort = new Map<number, number>();
    for (const { slot } of callers) {
      const port = masterPort(redis, slot);
      byPort.set(port, (byPort.get(port) ?? 0) + 1);
    }
    const [victim, onVictim] = [...byPort].sort((a, b) => b[1] - a[1])[0]!;

    const outcomes: Array<{ at: number; end: number; ok: boolean; onVictim: boolean }> = [];
    let running = true;
    const loops = callers.map(async ({ client, slot }) => {
      const onVictim = masterPort(redis, slot) === victim;
      while (running) {
        const at = Date.now();
        const result = await callTool(client, 'call_integration_api', {
          url: `${env.demo.linearUrl}/graphql`,
          body: LINEAR_QUERY,
        }).catch(() => null);
        const ok = !!result && !result.isError;
        outcomes.push({ at, end: Date.now(), ok, onVictim });
        if (!ok) await sleep(100);
      }
    });
    const writes = startAckedWrites(cluster.nodes, env.prefix);
    await sleep(loadMs);
    const killedAt = Date.now();
    cluster.kill(victim);
    // Load until calls have succeeded for a while after the recovery (or a minute passed).
    const recoveredAt = () => {
      const failures = outcomes.filter((o) => !o.ok && o.end >= killedAt).map((o) => o.end);
      const back = outcomes.find(
        (o) => o.ok && o.onVictim && o.end > killedAt && o.at >= Math.max(0, ...failures),
      );
      return back ? Math.max(back.end, ...failures) : null;
    };
    const deadline = killedAt + 60_000;
    for (;;) {
      await sleep(500);
      const at = recoveredAt();
      if ((at !== null && Date.now() - at > loadMs) || Date.now() > deadline) break;
    }
    running = false;
    await Promise.all([...loops, writes.stop()]);
    const written = await writes.report(killedAt);
    const recovered = recoveredAt();
    const slowest = Math.max(
      ...outcomes.filter((o) => o.at <= (recovered ?? Date.now())).map((o) => o.end - o.at),
    );
    return {
      clients,
      clientsOnKilledMaster: onVictim,
      calls: outcomes.length,
      failedCalls: outcomes.filter((o) => !o.ok).length,
      secondsUntilCallsSucceed: recovered === null ? null : Math.round((recovered - killedAt) / 100) / 10,
      slowestCallSeconds: Math.round(slowest / 100) / 10,
      approvalsAcknowledged: written.acked,
      approvalsLost: written.lost,
    };
  } finally {
    await Promise.allSettled(callers.map(({ client }) => client.close()));
    await store.close();
    redis.disconnect();
    await env.stop();
    await cluster.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table([await runFailover()]);
}
