// A Redis Cluster master dies under load (3 masters + 3 replicas of the test's own): its replica takes over and
// the same server process carries on: calls succeed again, /readyz is ready again, and jobs (Slack delivery and
// refresh) still run on the queue whose slot moved.
import type { Client } from '@modelcontextprotocol/client';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantId } from '../../src/grants/keys.js';
import { keySlot, slotTag } from '../../src/redis/key-slot.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { startAckedWrites } from '../support/acked-writes.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type PrivateCluster, startPrivateCluster } from '../support/private-cluster.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let cluster: PrivateCluster;
let env: Environment;

const hasButtons = (m: SlackMessage) => JSON.stringify(m.blocks).includes('"cs_approve"');
const current = (message: SlackMessage) =>
  env.slack!.messages(message.channel).find((m) => m.ts === message.ts)!;

/** The master serving a key's slot now, as `host:port`, according to the first live node that answers. */
async function masterOf(key: string): Promise<string> {
  const slot = keySlot(key);
  for (const port of cluster.ports) {
    const node = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    node.on('error', () => undefined);
    try {
      await node.connect();
      const ranges = (await node.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      if (range) return `${range[2][0]}:${range[2][1]}`;
    } catch {
      // a dead node: ask the next one
    } finally {
      node.disconnect();
    }
  }
  return '';
}

/** The job queue's lists and markers on the cluster, to tell a stalled worker from a lost job or marker. */
async function queueState(): Promise<Record<string, unknown>> {
  const redis = new Cluster(
    cluster.nodes.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
  );
  redis.on('error', () => undefined);
  const queue = `${slotTag(env.prefix, 'jobs')}:grants`;
  try {
    return {
      at: Date.now(),
      wait: await redis.lrange(`${queue}:wait`, '0', '-1'),
      active: await redis.lrange(`${queue}:active`, '0', '-1'),
      prioritized: await redis.zrange(`${queue}:prioritized`, '0', '-1'),
      delayed: await redis.zrange(`${queue}:delayed`, '0', '-1', 'WITHSCORES'),
      marker: await redis.zrange(`${queue}:marker`, '0', '-1', 'WITHSCORES'),
      limiterTtl: await redis.pttl(`${queue}:limiter`),
      meta: await redis.hgetall(`${queue}:meta`),
    };
  } catch (error) {
    return { error: String(error) };
  } finally {
    redis.disconnect();
  }
}

async function approvedAssistant(sid: string): Promise<{ assistant: Client; sessionKey: string }> {
  const assistant = await connectClient(env.server.url, await env.workos.mintAccessToken(ALICE.id, { sid }));
  const result = await callTool(assistant, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  const requestId = result.structuredContent!.requestId as string;
  const message = await env.slack!.waitForMessage(
    (m) => hasButtons(m) && JSON.stringify(m.blocks).includes(requestId),
    15_000,
    { includeExisting: true },
  );
  await env.slack!.click({ as: 'U0BOB', channel: message.channel, ts: message.ts, actionId: 'cs_approve' });
  await expect.poll(() => /approved/i.test(current(message).text), { timeout: 15_000 }).toBe(true);
  const sessionKey = `${env.prefix}{s:${parseGrantId(requestId)!.sessionHash}}:session`;
  return { assistant, sessionKey };
}

// Runs where a cluster is configured (the cluster step of .ci/run): it starts six redis-servers of its own.
describe.runIf(process.env.REDIS_CLUSTER_NODES)('a master killed during load', () => {
  beforeAll(async () => {
    cluster = await startPrivateCluster({ replicas: 1 });
    env = await startEnvironment(
      {
        REDIS_CLUSTER_NODES: cluster.nodes,
        SELF_APPROVE: 'read',
        REMINDER_AT: '0',
        REQUESTS_PER_MINUTE: '1000',
      },
      { slack: 'http' },
    );
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
    await cluster?.stop();
  });

  it('is replaced by its replica and the same process carries on: calls, readiness and jobs', async () => {
    // The session whose grants live on the master that also holds the job queue: both must survive the loss.
    const jobsMaster = await masterOf(`${slotTag(env.prefix, 'jobs')}:grants:meta`);
    let picked: { assistant: Client; sessionKey: string } | null = null;
    for (let i = 0; i < 12 && !picked; i++) {
      const candidate = await approvedAssistant(`session_failover_${i}`);
      if ((await masterOf(candidate.sessionKey)) === jobsMaster) picked = candidate;
      else await candidate.assistant.close();
    }
    expect(picked, 'no session landed on the queue master in 12 tries').not.toBeNull();
    const { assistant } = picked!;

    const outcomes: Array<{ at: number; end: number; ok: boolean }> = [];
    let loading = true;
    const load = async () => {
      while (loading) {
        const at = Date.now();
        try {
          const result = await callTool(assistant, 'call_integration_api', {
            url: `${env.demo.linearUrl}/graphql`,
            body: { query: '{ viewer { id } }' },
          });
          outcomes.push({ at, end: Date.now(), ok: !result.isError });
        } catch {
          outcomes.push({ at, end: Date.now(), ok: false });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const loops = [load(), load(), load(), load()];
    await expect.poll(() => outcomes.filter((o) => o.ok).length, { timeout: 15_000 }).toBeGreaterThan(20);
    // Grant approvals written straight to the cluster meanwhile: how many acknowledged ones the failover loses.
    const writes = startAckedWrites(cluster.nodes, env.prefix);
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const pid = env.server.child.pid;
    const killedAt = Date.now();
    cluster.kill(Number(jobsMaster.split(':')[1]));

    // Calls succeed again on the promoted replica, without a restart.
    await expect
      .poll(() => outcomes.filter((o) => o.ok && o.at > killedAt + 500).length, { timeout: 60_000 })
      .toBeGreaterThan(10);
    loading = false;
    await Promise.all([...loops, writes.stop()]);
    expect(env.server.child.exitCode).toBeNull();
    expect(env.server.child.pid).toBe(pid);
    expect(await masterOf(`${slotTag(env.prefix, 'jobs')}:grants:meta`)).not.toBe(jobsMaster);

    // A call may fail, or wait out the failover inside the cluster client: back when one ends well after both.
    const after = outcomes.filter((o) => o.end >= killedAt);
    const lastFailed = Math.max(killedAt, ...after.filter((o) => !o.ok).map((o) => o.end));
    const firstBack =
      after.find((o) => o.ok && o.at >= lastFailed) ?? after.find((o) => o.ok && o.end > lastFailed);
    console.info(
      `[failover] calls: ${outcomes.length}, failed: ${outcomes.filter((o) => !o.ok).length}, ` +
        `succeeding again ${firstBack ? ((firstBack.end - killedAt) / 1000).toFixed(1) : '?'} s after the kill`,
    );
    const written = await writes.report(killedAt);
    console.info(
      `[failover] approvals acknowledged: ${written.acked}, failed: ${written.failed}, lost: ${written.lost}` +
        (written.oldestLostBeforeMs === null
          ? ''
          : ` (oldest acknowledged ${written.oldestLostBeforeMs} ms before the kill)`),
    );
    // Asynchronous replication may lose the last moment's writes, never older ones: the replica was in sync.
    expect(written.acked).toBeGreaterThan(0);
    expect(written.oldestLostBeforeMs ?? 0).toBeLessThan(1000);

    // /readyz follows the cluster back to ok.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${env.server.url}/readyz`);
          return { status: res.status, body: await res.json() };
        },
        { timeout: 30_000, interval: 500 },
      )
      .toMatchObject({ status: 200, body: { checks: { redis: 'up', redisCluster: 'ok', epoch: 'ok' } } });

    // The queue moved with its slot: a new request is still delivered to Slack and its approval re-rendered.
    const requestedAt = Date.now();
    const request = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: 'mutation { issueArchive(id: "after-failover") { success } }' },
    });
    expect(request.isError, textOf(request)).toBeFalsy();
    const requestId = request.structuredContent!.requestId as string;
    const message = await env
      .slack!.waitForMessage((m) => hasButtons(m) && JSON.stringify(m.blocks).includes(requestId), 30_000, {
        includeExisting: true,
      })
      .catch(async (error: unknown) => {
        // What the queue holds and what the server logged, to tell a stalled worker from a lost event.
        console.error(`[failover] killed at ${killedAt}, request ${requestId} made at ${requestedAt}`);
        console.error(await queueState());
        console.error(env.server.output().slice(-3000));
        throw error;
      });
    await env.slack!.click({ as: 'U0BOB', channel: message.channel, ts: message.ts, actionId: 'cs_approve' });
    await expect.poll(() => /approved/i.test(current(message).text), { timeout: 30_000 }).toBe(true);
    await assistant.close();
  }, 240_000);
});
