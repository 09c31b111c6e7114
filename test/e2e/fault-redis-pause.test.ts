// Fault: Redis stalls (CLIENT PAUSE on a private redis-server). Every tool call ends with a retryable answer
// before the stall is over instead of hanging through it, long polls too; afterwards calls succeed again. And a
// full instance sheds extra requests with 503 + Retry-After.
import type { Client } from '@modelcontextprotocol/client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisGrantStore } from '../../src/grants/redis-store.js';
import { ALICE } from '../../src/sandbox/people.js';
import {
  APPROVER,
  grantAccess,
  outcomeOf,
  pauseRedis,
  requestAccess,
  storeFor,
} from '../support/fault-access.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

const PAUSE_MS = 10_000;
let redis: PrivateRedis;
let env: Environment;
let grants: { store: RedisGrantStore; redis: Redis };

beforeAll(async () => {
  redis = await startPrivateRedis();
  env = await startEnvironment({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT: '2s' }, { slack: 'http' });
  grants = storeFor(redis.url, env.prefix);
}, 60_000);
afterAll(async () => {
  await grants?.store.close();
  grants?.redis.disconnect();
  await env?.stop();
  await redis?.stop();
});

/** A bare tools/list POST: what a request looks like to the in-flight cap and the work gate. */
const postToolsList = (url: string, token: string) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

async function assistant(sid: string, url = env.server.url): Promise<Client> {
  return connectClient(url, await env.workos.mintAccessToken(ALICE.id, { sid }));
}

describe('Redis paused (CLIENT PAUSE ALL)', () => {
  it('answers every tool call with a retryable unavailable before the pause ends, then works again', async () => {
    const client = await assistant('session_pause_calls');
    const granted = await grantAccess(client, grants.store, ['linear']);
    const pending = await requestAccess(await assistant('session_pause_pending'), ['notion']);
    const linear = `${env.demo.linearUrl}/graphql`;
    const calls = () => [
      callTool(client, 'call_integration_api', { url: linear, body: { query: '{ viewer { id } }' } }),
      callTool(client, 'check_access_request', { requestId: pending }),
      callTool(client, 'whoami'),
      callTool(client, 'call_integration_api', { url: linear, body: { query: '{ viewer { name } }' } }),
      callTool(client, 'check_access_request', { requestId: granted }),
    ];

    const pause = await pauseRedis(redis.url, PAUSE_MS);
    const ended: number[] = [];
    const outcomes = await Promise.all(
      calls().map((call) =>
        outcomeOf(call).then((outcome) => {
          ended.push(Date.now());
          return outcome;
        }),
      ),
    );
    const pauseOver = await pause.over;

    expect(outcomes.filter((o) => o !== 'unavailable' && o !== 'http_503')).toEqual([]);
    // Order, not a tight bound: each call was answered while Redis was still paused.
    for (const at of ended) expect(at).toBeLessThan(pauseOver);

    await expect
      .poll(async () => Promise.all(calls().map(outcomeOf)), { timeout: 30_000, interval: 500 })
      .toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  }, 90_000);

  it('a long poll hit by the pause ends with a retryable unavailable, not internal_error', async () => {
    const client = await assistant('session_pause_poll');
    const requestId = await requestAccess(client, ['linear']);
    const poll = outcomeOf(callTool(client, 'check_access_request', { requestId, waitSeconds: 25 }));
    // Let the poll reach its wait before Redis stalls.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pause = await pauseRedis(redis.url, PAUSE_MS);
    expect(await poll).toBe('unavailable');
    await pause.over;
    const after = await callTool(client, 'check_access_request', { requestId });
    expect(after.structuredContent?.status).toBe('pending');
  }, 90_000);
});

describe('Redis paused: the other HTTP surfaces', () => {
  it('the consent page and a new MCP session get 503 with Retry-After, Slack its ack, while Redis is still paused', async () => {
    const client = await assistant('session_pause_pages');
    const requested = await callTool(client, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
    });
    const approvalUrl = requested.structuredContent?.approvalUrl as string;
    expect(approvalUrl).toContain('/approve?token=');

    const pause = await pauseRedis(redis.url, PAUSE_MS);
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_pause_new' });
    const [page, command, connecting] = await Promise.all([
      fetch(approvalUrl, { redirect: 'manual' }).then((res) => ({ res, at: Date.now() })),
      env.slack!.slashCommand({ as: 'U0BOB', text: 'list' }).then((result) => ({ result, at: Date.now() })),
      // A new MCP session records its client at initialize: no tool result to carry the answer, so 503.
      connectClient(env.server.url, token).then(
        (client) => ({ status: 200, at: Date.now(), client }),
        // SDK v2: an HTTP answer that is not OK is an SdkHttpError whose `status` is the HTTP status.
        (error: { status?: number }) => ({ status: error.status, at: Date.now(), client: null }),
      ),
    ]);
    const pauseOver = await pause.over;

    expect(page.res.status).toBe(503);
    expect(page.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await page.res.text()).toMatch(/briefly unavailable/i);
    // Slack shows an error unless the command is acknowledged: it is, in the pause (every command path acks
    // first, with an empty body, and answers through respond() afterwards).
    expect(command.result.status).toBe(200);
    expect(page.at).toBeLessThan(pauseOver);
    expect(command.at).toBeLessThan(pauseOver);
    expect(connecting.status).toBe(503);
    expect(connecting.at).toBeLessThan(pauseOver);
    await connecting.client?.close();
  }, 90_000);
});

describe('in-flight cap (MAX_INFLIGHT_REQUESTS)', () => {
  it('answers 503 with Retry-After beyond the cap, counts it, and serves again once a slot frees', async () => {
    const capped = await env.another({ MAX_INFLIGHT_REQUESTS: '1' });
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_cap' });
    const client = await connectClient(capped.url, token);
    const requestId = await requestAccess(client, ['linear']);
    const stop = new AbortController();
    // A long poll holds the only slot.
    const poll = callTool(
      client,
      'check_access_request',
      { requestId, waitSeconds: 25 },
      { signal: stop.signal },
    );
    poll.catch(() => undefined);
    const post = () => postToolsList(capped.url, token);

    let refused: Response | undefined;
    await expect
      .poll(
        async () => {
          refused = await post();
          return refused.status;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(503);
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/);
    const metrics = await (await fetch(`${capped.url}/metrics`)).text();
    expect(metrics).toMatch(/countersign_mcp_rejected_total\{reason="overloaded"\} [1-9]/);

    // Closing the client drops the long poll's connection, which frees the slot.
    await client.close();
    await expect.poll(async () => (await post()).status, { timeout: 20_000, interval: 100 }).toBe(200);
  }, 90_000);
});

describe('work gate (MAX_ACTIVE_REQUESTS, MAX_QUEUE_WAIT)', () => {
  it('lets other calls through while a long poll waits for a person, and the decision still reaches it', async () => {
    // One turn at a time, and a short wait in line: were the long poll holding its turn, the calls below would
    // be refused after 1 s.
    const gated = await env.another({ MAX_ACTIVE_REQUESTS: '1', MAX_QUEUE_WAIT: '1s' });
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_gate_poll' });
    const client = await connectClient(gated.url, token);
    const requestId = await requestAccess(client, ['linear']);
    let answered = false;
    const poll = callTool(client, 'check_access_request', { requestId, waitSeconds: 25 }).then((result) => {
      answered = true;
      return result;
    });
    // Once the server holds the poll (the only MCP request in flight), every call gets through while it waits;
    // were it holding the turn, each would be refused after 1 s in line.
    const inflight = async () =>
      /countersign_mcp_inflight_requests (\d+)/.exec(await (await fetch(`${gated.url}/metrics`)).text())?.[1];
    await expect.poll(inflight, { timeout: 15_000, interval: 50 }).toBe('1');
    for (let i = 0; i < 5; i++) {
      const response = await postToolsList(gated.url, token);
      expect(response.status).toBe(200);
      await response.text();
      expect(await outcomeOf(callTool(client, 'whoami'))).toBe('ok');
    }
    expect(answered).toBe(false);
    const approved = await grants.store.approve(requestId, APPROVER, {});
    expect(approved.ok).toBe(true);
    expect((await poll).structuredContent?.status).toBe('approved');
    await client.close();
  }, 90_000);

  it('lets other calls through while a provider takes its time answering', async () => {
    const gated = await env.another({ MAX_ACTIVE_REQUESTS: '1', MAX_QUEUE_WAIT: '1s' });
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_gate_slow' });
    const client = await connectClient(gated.url, token);
    await grantAccess(client, grants.store, ['notion']);
    // The demo provider answers /v1/pages/slow after 3 s: held with the turn, every call below would be refused.
    const slow = callTool(client, 'call_integration_api', {
      url: `${env.demo.notionUrl}/v1/pages/slow`,
      method: 'GET',
    });
    await expect
      .poll(() => env.demo.calls().some((c) => c.path === '/v1/pages/slow'), { timeout: 20_000 })
      .toBe(true);
    for (let i = 0; i < 3; i++) {
      const response = await postToolsList(gated.url, token);
      expect(response.status).toBe(200);
      await response.text();
    }
    expect((await slow).structuredContent).toMatchObject({ ok: true, status: 200 });
    await client.close();
  }, 90_000);

  it('refuses with 503 + Retry-After a request whose turn does not come in time, and serves again after', async () => {
    const gated = await env.another({ MAX_ACTIVE_REQUESTS: '1', MAX_QUEUE_WAIT: '300ms' });
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_gate_wait' });
    const client = await connectClient(gated.url, token);
    const granted = await grantAccess(client, grants.store, ['linear']);
    expect(granted).toBeTruthy();
    const pause = await pauseRedis(redis.url, 6_000);
    // Holds the only turn until its Redis command times out (REDIS_COMMAND_TIMEOUT 2 s).
    const stuck = outcomeOf(
      callTool(client, 'call_integration_api', {
        url: `${env.demo.linearUrl}/graphql`,
        body: { query: '{ viewer { id } }' },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queued = await postToolsList(gated.url, token);
    const stuckOutcome = await stuck;
    expect(queued.status).toBe(503);
    expect(queued.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(stuckOutcome).toBe('unavailable');
    await pause.over;
    const metrics = await (await fetch(`${gated.url}/metrics`)).text();
    expect(metrics).toMatch(/countersign_mcp_rejected_total\{reason="queue_wait"\} [1-9]/);
    expect(metrics).toMatch(/countersign_mcp_queued_requests 0/);
    await expect
      .poll(async () => (await postToolsList(gated.url, token)).status, { timeout: 20_000, interval: 100 })
      .toBe(200);
    await client.close();
  }, 90_000);
});

describe('Redis gone (connection refused)', () => {
  it('answers every call 503 or unavailable while Redis is down, and serves again once it is back', async () => {
    const client = await assistant('session_gone');
    expect(await outcomeOf(callTool(client, 'whoami'))).toBe('ok');
    redis.kill();
    const outcomes = await Promise.all([1, 2, 3].map(() => outcomeOf(callTool(client, 'whoami'))));
    expect(outcomes.filter((o) => o !== 'unavailable' && o !== 'http_503')).toEqual([]);
    await redis.start();
    await expect
      .poll(() => outcomeOf(callTool(client, 'whoami')), { timeout: 30_000, interval: 500 })
      .toBe('ok');
  }, 90_000);
});
