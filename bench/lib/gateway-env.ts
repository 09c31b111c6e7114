// The real server (child process) plus stand-ins, a grant store on the same Redis prefix, and helpers to grant access.
import type { Client } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import type { Actor } from '../../src/grants/types.js';
import { slotTag } from '../../src/redis/key-slot.js';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { REDIS_URL } from '../../test/support/redis.js';
import { type Environment, startEnvironment } from '../../test/support/server-process.js';
import { connectBenchClient } from './mcp-client.js';
import { DURATIONS, PRODUCTION_SHAPE, serverSettings, serverSpawn } from './server-settings.js';
import { type RecordedToolCall, toolCallRecorder, WireCallers } from './wire-caller.js';

/** The bench's Redis: REDIS_URL when set, as for the tests. */
export { REDIS_URL };

/** Who approves in the bench: an approver on the consent page, as the web adapter would record it. */
export const APPROVER: Actor = { type: 'user', id: 'user_bob', email: 'bob@sandbox.test', via: 'web' };

/** The upstream call every benchmark makes: a Linear GraphQL query (read level). */
export const LINEAR_QUERY = { query: '{ viewer { id name email assignedIssues { nodes { id title } } } }' };

export interface BenchEnvironment {
  env: Environment;
  store: RedisGrantStore;
  /** The bench's own connection to the server's Redis. */
  redis: Redis;
  linearGraphqlUrl: string;
  /** A new SDK client for ALICE on its own session `bench_<name>`. */
  connect(name: string): Promise<Client>;
  /** Requests broad read access to Linear for the client's session and approves it in Redis. */
  grantLinearRead(client: Client): Promise<string>;
  /** One `call_integration_api` of the Linear query; throws unless the upstream answered 2xx. */
  callLinear(client: Client): Promise<void>;
  /**
   * The load generator's form of `callLinear`: one call through the SDK client, recorded, then replayed on the
   * wire (lib/wire-caller.ts) by the function returned.
   */
  wireCallLinear(client: Client): Promise<() => Promise<void>>;
  /** The same upstream call made directly (undici Pool, the Pipes token the server used); throws unless 200. */
  direct(): Promise<DirectCaller>;
  /** The server child's process id, for CPU accounting. */
  serverPid: number | undefined;
  /**
   * Resolves once no grant refresh job is waiting, delayed or running (at most `timeoutMs`), with how long that
   * took: the setup's requests leave refreshes behind (with Slack, their self-approval posts share one DM, which
   * Slack paces at about one a second), and what they do in Redis belongs to no call measured after them.
   */
  grantJobsSettled(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export interface DirectCaller {
  call(): Promise<void>;
  /** The same call through Node's global fetch, as an MCP client's transport makes its requests. */
  callWithFetch(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchEnvironmentOptions {
  /** Write a CPU profile of the server child into this (existing) directory when it exits. */
  serverProfileDir?: string;
  /** Wire the server to the Slack stand-in (HTTP mode), as production runs: usage re-renders, audit feed. */
  slack?: boolean;
  /** Another Redis than REDIS_URL (the bench's private one, whose INFO counters only the run moves). */
  redisUrl?: string;
}

export async function startBenchEnvironment(
  options: BenchEnvironmentOptions = {},
): Promise<BenchEnvironment> {
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const env = await startEnvironment(
    {
      ...serverSettings(options.serverProfileDir),
      ...PRODUCTION_SHAPE,
      SELF_APPROVE: 'write',
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    },
    { ...(options.slack ? { slack: 'http' as const } : {}), spawn: serverSpawn() },
  );
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  const clients: Client[] = [];
  const recorded = new WeakMap<Client, () => RecordedToolCall | null>();
  const wire = new WireCallers();
  const linearGraphqlUrl = `${env.demo.linearUrl}/graphql`;
  // The BullMQ prefix the server derives from its Redis prefix (src/start.ts).
  const jobsPrefix = slotTag(env.prefix, 'jobs');

  const callLinear = async (client: Client) => {
    const result = await callTool(client, 'call_integration_api', {
      url: linearGraphqlUrl,
      body: LINEAR_QUERY,
    });
    if (result.isError || result.structuredContent?.ok !== true) {
      throw new Error(`call_integration_api failed: ${textOf(result).slice(0, 300)}`);
    }
  };

  return {
    env,
    store,
    redis,
    linearGraphqlUrl,
    serverPid: env.server.child.pid,
    async connect(name) {
      const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_${name}` });
      const recorder = toolCallRecorder();
      const client = await connectBenchClient(env.server.url, token, `bench-${name}`, recorder.fetch);
      recorded.set(client, recorder.latest);
      clients.push(client);
      return client;
    },
    async wireCallLinear(client) {
      await callLinear(client);
      const call = recorded.get(client)?.();
      if (!call) throw new Error('no tools/call recorded for this client (connect it with bench.connect)');
      return wire.caller(call);
    },
    grantLinearRead: (client) => grantLinearRead(client, store, 'benchmark'),
    async grantJobsSettled(timeoutMs) {
      const queue = `${jobsPrefix}:grants`;
      const started = Date.now();
      for (;;) {
        const ids = (
          await Promise.all([
            redis.zrange(`${queue}:delayed`, '0', '-1'),
            redis.lrange(`${queue}:wait`, 0, -1),
            redis.lrange(`${queue}:active`, 0, -1),
          ])
        ).flat();
        if (!ids.some((id) => id.startsWith('refresh_')) || Date.now() - started > timeoutMs)
          return Date.now() - started;
        await sleep(250);
      }
    },
    callLinear,
    async direct() {
      // The Pipes token the server injected on its latest Linear call: the same credential, the same checks upstream.
      const last = env.demo
        .calls()
        .filter((c) => c.provider === 'linear' && c.authorization?.startsWith('Bearer '))
        .at(-1);
      if (!last?.authorization)
        throw new Error('no Linear call seen upstream yet: call through the server first');
      const pool = new Pool(env.demo.linearUrl, { connections: 64, keepAliveTimeout: 30_000 });
      const headers = {
        authorization: last.authorization,
        'content-type': 'application/json',
        accept: 'application/json',
      };
      const body = JSON.stringify(LINEAR_QUERY);
      return {
        async call() {
          const res = await pool.request({ path: '/graphql', method: 'POST', headers, body });
          // Read and parse the answer, as the server's proxy does.
          const parsed = (await res.body.json()) as { data?: unknown };
          if (res.statusCode !== 200 || !parsed.data)
            throw new Error(`direct call answered ${res.statusCode}`);
        },
        async callWithFetch() {
          const res = await fetch(linearGraphqlUrl, { method: 'POST', headers, body });
          const parsed = (await res.json()) as { data?: unknown };
          if (res.status !== 200 || !parsed.data) throw new Error(`direct fetch answered ${res.status}`);
        },
        close: () => pool.close(),
      };
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await wire.close();
      try {
        await store.close();
        await env.stop();
        // The grant keys, and the BullMQ queue's.
        for (const prefix of [env.prefix, jobsPrefix]) await removeKeys(redis, prefix).catch(() => undefined);
      } finally {
        await redis.quit();
      }
    },
  };
}

/**
 * Requests an hour of read access to Linear for the client's session and approves it in Redis, as an approver on
 * the consent page would; the request's id.
 */
export async function grantLinearRead(
  client: Client,
  store: Pick<RedisGrantStore, 'approve'>,
  reason: string,
): Promise<string> {
  const requested = await callTool(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['linear'],
    durationMinutes: 60,
    reason,
  });
  const requestId = requested.structuredContent?.requestId as string | undefined;
  if (requested.isError || !requestId) throw new Error(`request failed: ${textOf(requested)}`);
  const approved = await store.approve(requestId, APPROVER, {});
  if (!approved.ok) throw new Error(`approve ${requestId} failed: ${approved.code}`);
  return requestId;
}

/** Deletes every key starting with `prefix` (glob-escaped). */
async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
