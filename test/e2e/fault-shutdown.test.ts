// Fault: SIGTERM with idle keep-alive clients connected and work in flight. The in-flight upstream call completes,
// the open long poll is answered, and the process exits once that work is done, long before the grace period.
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { grantAccess, requestAccess, storeFor } from '../support/fault-access.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { REDIS_URL } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

const GRACE_MS = 60_000;
let env: Environment;
let grants: ReturnType<typeof storeFor>;

beforeAll(async () => {
  env = await startEnvironment({ REDIS_URL, SHUTDOWN_GRACE: `${GRACE_MS}ms` });
  grants = storeFor(REDIS_URL, env.prefix);
}, 60_000);
afterAll(async () => {
  await grants?.store.close();
  grants?.redis.disconnect();
  await env?.stop();
});

describe('SIGTERM', () => {
  it('finishes in-flight work, then exits at once although idle keep-alive clients stay connected', async () => {
    const { child, url } = env.server;
    const exited = once(child, 'exit');
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_shutdown' });
    const assistant = await connectClient(url, token);
    await grantAccess(assistant, grants.store, ['notion']);
    const waiter = await connectClient(
      url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_wait' }),
    );
    const pending = await requestAccess(waiter, ['linear']);

    // Idle keep-alive connections: opened by a few requests, then left open by the agent.
    const agent = new Agent({ keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000, connections: 4 });
    const health = await Promise.all(
      [1, 2, 3, 4].map(() => request(`${url}/healthz`, { dispatcher: agent }).then((r) => r.body.json())),
    );
    expect(health).toEqual(Array(4).fill({ status: 'ok' }));

    // Work in flight at SIGTERM: an upstream call the demo provider answers after 3 s, and a long poll.
    let slowDoneAt = 0;
    const slow = callTool(assistant, 'call_integration_api', {
      url: `${env.demo.notionUrl}/v1/pages/slow`,
      method: 'GET',
    }).then((result) => {
      slowDoneAt = Date.now();
      return result;
    });
    const poll = callTool(waiter, 'check_access_request', { requestId: pending, waitSeconds: 25 });
    await expect
      .poll(() => env.demo.calls().some((c) => c.path === '/v1/pages/slow'), { timeout: 20_000 })
      .toBe(true);

    const termAt = Date.now();
    child.kill('SIGTERM');
    const [code] = await exited;
    const exitAt = Date.now();

    // The long poll was answered with the request's current state, not cut.
    const polled = await poll;
    expect(polled.isError).toBeFalsy();
    expect(polled.structuredContent?.status).toBe('pending');
    // The upstream call completed properly, before the process exited.
    const result = await slow;
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ ok: true, status: 200 });
    // It was still running at SIGTERM: the server let it finish rather than cutting it.
    expect(slowDoneAt).toBeGreaterThan(termAt);
    expect(code).toBe(0);
    // Idle clients did not hold the server open until the grace period (60 s) ran out.
    expect(exitAt - termAt).toBeLessThan(GRACE_MS / 2);

    await agent.close();
    await assistant.close().catch(() => undefined);
    await waiter.close().catch(() => undefined);
  }, 120_000);
});
