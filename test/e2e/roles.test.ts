// Split roles: a web process alone still refuses access after it ends (no job needed); a worker started
// later catches up on the jobs the web process queued.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis/connections.js';
import { ALICE, BOB } from '../../src/sandbox/people.js';
import { auditTypesOf } from '../support/audit.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';
import { hiddenField, WebBrowser } from '../support/web-browser.js';

// Long enough for the approval and a call to fit inside on a 4x slower machine.
const ACCESS_MS = 8000;
let env: Environment;
let redis: Redis;

beforeAll(async () => {
  env = await startEnvironment({ ROLE: 'web', DEFAULT_ACCESS_DURATION: `${ACCESS_MS}ms` });
  redis = testRedis();
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await env?.stop();
});

const auditTypes = (grantId: string) => auditTypesOf(redis, env.prefix, grantId);

describe('--role', () => {
  it('web alone: access ends on the clock with no worker; a worker started later catches up', async () => {
    const assistant = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_roles' }),
    );
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
    });
    const { requestId, approvalUrl } = requested.structuredContent!;
    const browser = new WebBrowser(env.server.url);
    await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(BOB.email)}`);
    const form = await browser.visit(approvalUrl);
    await browser.post('/approve', {
      token: hiddenField(form.body, 'token'),
      csrf: hiddenField(form.body, 'csrf'),
      decision: 'approve',
      providers: ['linear'],
    });
    const call = () =>
      callTool(assistant, 'call_integration_api', {
        url: `${env.demo.linearUrl}/graphql`,
        body: { query: '{ viewer { id } }' },
      });
    expect((await call()).isError, textOf(await call())).toBeFalsy();

    await new Promise((resolve) => setTimeout(resolve, ACCESS_MS + 300));
    const late = await call();
    expect(late.isError).toBe(true);
    expect((await callTool(assistant, 'check_access_request', { requestId })).structuredContent!.status).toBe(
      'ended',
    );
    // Nothing ran the jobs: the system transition is not audited yet.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await auditTypes(requestId)).not.toContain('grant.ended');

    const worker = await env.another({}, ['--role=worker']);
    expect(worker.output()).toContain('countersign worker running');
    await expect.poll(() => auditTypes(requestId), { timeout: 30_000 }).toContain('grant.ended');
    await assistant.close();
  }, 120_000);
});

describe('SIGTERM', () => {
  it('answers an open long poll instead of cutting it, then exits cleanly', async () => {
    const server = await env.another({ ROLE: 'all' });
    const assistant = await connectClient(
      server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_sigterm' }),
    );
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    // The first progress notification (after 5 s) says the long poll is open on the server: no race with SIGTERM.
    let polling: () => void = () => undefined;
    const open = new Promise<void>((resolve) => {
      polling = resolve;
    });
    const waiting = callTool(
      assistant,
      'check_access_request',
      { requestId: requested.structuredContent!.requestId, waitSeconds: 25 },
      { onprogress: () => polling(), resetTimeoutOnProgress: true },
    );
    await open;
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) =>
      server.child.once('exit', (code) => resolve(code)),
    );
    server.child.kill('SIGTERM');
    const answer = await waiting;
    expect(answer.isError, textOf(answer)).toBeFalsy();
    expect(answer.structuredContent!.status).toBe('pending');
    expect(await exited).toBe(0);
    // Answered and gone well before the 20 s the wait had left (the bound holds on a 4x slower machine).
    expect(Date.now() - started).toBeLessThan(15_000);
    await assistant.close().catch(() => undefined);
  }, 120_000);
});
