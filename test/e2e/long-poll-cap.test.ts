// End to end: one person holds at most MAX_LONG_POLLS_PER_USER check_access_request calls open at once; the
// next one answers at once with the request's status and the number, and another person is not held back.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
let alice: Client;
let bob: Client;

beforeAll(async () => {
  env = await startEnvironment({ MAX_LONG_POLLS_PER_USER: '2', SELF_APPROVE: 'none' });
  alice = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'sid_cap_a' }),
  );
  bob = await connectClient(env.server.url, await env.workos.mintAccessToken(BOB.id, { sid: 'sid_cap_b' }));
}, 40_000);
afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await env?.stop();
});

async function pendingRequest(client: Client): Promise<string> {
  const requested = await callTool(client, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
    reason: 'long poll cap e2e',
  });
  return requested.structuredContent!.requestId as string;
}

/** MCP requests the server is handling now (the long polls held open among them). */
async function inflight(): Promise<number> {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  return Number(/^countersign_mcp_inflight_requests (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/**
 * A check_access_request held open. `waiting` settles at its first progress notification (sent only while a
 * call really waits, about 5 s in), so the test knows the server holds it without timing anything.
 */
function holdOpen(client: Client, requestId: string) {
  const stop = new AbortController();
  let progressed: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => {
    progressed = resolve;
  });
  const done = callTool(
    client,
    'check_access_request',
    { requestId, waitSeconds: 25 },
    { signal: stop.signal, onprogress: () => progressed(), resetTimeoutOnProgress: true },
  ).catch(() => null);
  return { waiting, done, end: () => stop.abort() };
}

describe('long polls per person', () => {
  it('holds two open for Alice, answers her third at once saying so, and still waits for Bob', async () => {
    const requestId = await pendingRequest(alice);
    const held = [holdOpen(alice, requestId), holdOpen(alice, requestId)];
    await Promise.all(held.map((h) => h.waiting));

    const third = await callTool(alice, 'check_access_request', { requestId, waitSeconds: 25 });
    expect(third.isError).toBeFalsy();
    expect(third.structuredContent?.status).toBe('pending');
    expect(textOf(third)).toMatch(/Not waited: you already have 2 check_access_request calls waiting/);
    // A call without waitSeconds is never capped (no note).
    expect(textOf(await callTool(alice, 'check_access_request', { requestId }))).not.toMatch(/Not waited/);

    // Bob's wait is not counted against Alice's cap: it is held like hers.
    const bobs = holdOpen(bob, await pendingRequest(bob));
    await bobs.waiting;

    // Once Alice's held calls end, she may wait again.
    for (const h of held) h.end();
    await Promise.all(held.map((h) => h.done));
    await expect.poll(inflight, { timeout: 20_000 }).toBe(1);
    const again = holdOpen(alice, requestId);
    await again.waiting;
    again.end();
    bobs.end();
    await Promise.all([again.done, bobs.done]);
  }, 90_000);
});
