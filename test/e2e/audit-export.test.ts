// End to end: a real grant's life (request, approval on the consent page, calls with the Pipes token,
// release), then the real export CLI over that server's Redis prefix: every event in order, correlated,
// schema-valid, and no bearer token, Pipes token or approval link token anywhere in JSON lines or CSV.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src/audit/csv.js';
import { exportedEventSchema } from '../../src/audit/schema.js';
import { ALICE, BOB, SANDBOX_ORGANIZATION } from '../../src/sandbox/people.js';
import { runAuditCli } from '../integration/audit/cli.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { redisEnv, testRedis } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';
import { hiddenField, pageText, WebBrowser } from '../support/web-browser.js';

const SID = 'session_e2e_audit';
const LIFECYCLE = ['grant.requested', 'grant.approved', 'api.call', 'api.refused', 'grant.released'];
let env: Environment;
let assistant: Client;
let bearer: string;
let grantId: string;
/** Secrets the flow handled: none may reach the audit. */
const secrets: Record<string, string> = {};

async function approveAs(person: typeof BOB, approvalUrl: string) {
  const browser = new WebBrowser(env.server.url);
  expect((await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(person.email)}`)).status).toBe(
    200,
  );
  const form = await browser.visit(approvalUrl);
  expect(form.status, pageText(form.body)).toBe(200);
  const result = await browser.post('/approve', {
    token: hiddenField(form.body, 'token'),
    csrf: hiddenField(form.body, 'csrf'),
    decision: 'approve',
    providers: ['linear'],
    level: 'read',
    duration: String(10 * 60_000),
  });
  expect(result.status).toBe(200);
}

/** The audit write is fire-and-forget: wait until the stream holds the grant's last event. */
async function waitForAudit(type: string) {
  const redis = testRedis();
  try {
    for (let i = 0; i < 300; i++) {
      const rows = await redis.xrevrange(`${env.prefix}audit`, '+', '-', 'COUNT', 20);
      if (rows.some(([, fields]) => fields.join(' ').includes(`"type":"${type}"`))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${type} event in the audit stream`);
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  env = await startEnvironment({ LOG_LEVEL: 'info' });
  bearer = await env.workos.mintAccessToken(ALICE.id, { sid: SID });
  assistant = await connectClient(env.server.url, bearer, 'claude-code');

  const requested = await callTool(assistant, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['linear'],
    reason: 'Audit export test',
  });
  expect(requested.isError).toBeFalsy();
  grantId = requested.structuredContent!.requestId;
  const approvalUrl: string = requested.structuredContent!.approvalUrl;
  secrets.approvalToken = new URL(approvalUrl).searchParams.get('token')!;
  await approveAs(BOB, approvalUrl);

  const call = await callTool(assistant, 'call_integration_api', {
    url: `${env.demo.linearUrl}/graphql`,
    body: { query: '{ viewer { id name } }' },
  });
  expect(call.structuredContent).toMatchObject({ ok: true, status: 200 });
  const upstream = env.demo.calls().at(-1)!;
  secrets.pipesToken = upstream.headers.authorization!.replace(/^Bearer /, '');
  // It is the real Pipes token the stand-in issued for Alice's Linear connection.
  expect(env.workos.issuedProviderTokens(secrets.pipesToken)).toMatchObject({
    provider: 'linear',
    userId: ALICE.id,
  });

  const refused = await callTool(assistant, 'call_integration_api', {
    url: `${env.demo.notionUrl}/v1/search`,
    body: {},
  });
  expect(refused.isError).toBe(true);
  expect((await callTool(assistant, 'release_access')).structuredContent?.status).toBe('released');
  secrets.bearer = bearer;
  secrets.bearerSignature = bearer.split('.')[2]!;
  for (const [name, value] of Object.entries(secrets)) expect(value.length, name).toBeGreaterThan(15);
  await waitForAudit('grant.released');
});
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

const cli = (args: string[]) => runAuditCli(args, { ...redisEnv(), REDIS_PREFIX: env.prefix });

function expectNoSecret(text: string) {
  for (const [name, value] of Object.entries(secrets))
    expect(text.includes(value), `${name} in the export`).toBe(false);
}

describe('audit export of a real grant', () => {
  it('has every lifecycle event of the grant, in order, correlated and schema-valid', async () => {
    const run = await cli(['--since', '1h', '--grant', grantId]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.type)).toEqual(LIFECYCLE);
    for (const line of lines) {
      expect(exportedEventSchema.parse(line)).toEqual(line);
      expect(line).toMatchObject({
        v: 1,
        grantId,
        kind: 'broad',
        userId: ALICE.id,
        userEmail: ALICE.email,
        sid: SID,
        organizationId: SANDBOX_ORGANIZATION.id,
      });
    }
    const [requested, approved, call, refused, released] = lines;
    expect(requested).toMatchObject({
      level: 'read',
      providers: ['linear'],
      actor: { via: 'mcp', workosUserId: ALICE.id },
    });
    expect(approved.actor).toEqual({
      type: 'user',
      id: BOB.id,
      email: BOB.email,
      via: 'web',
      workosUserId: BOB.id,
    });
    expect(approved).toMatchObject({ durationMs: 600_000, expiresAt: expect.any(Number) });
    expect(call).toMatchObject({
      provider: 'linear',
      callId: expect.stringMatching(/^call_[0-9a-f]{16}$/),
      upstream: { method: 'POST', host: new URL(env.demo.linearUrl).host, path: '/graphql', status: 200 },
    });
    expect(call.upstream.durationMs).toBeGreaterThan(0);
    expect(refused).toMatchObject({
      provider: 'notion',
      detail: 'provider_not_granted',
      upstream: { path: '/v1/search' },
    });
    expect(refused.callId).not.toBe(call.callId);
    expect(released).toMatchObject({ detail: 'released', actor: { type: 'assistant', via: 'mcp' } });
    expectNoSecret(run.stdout);
  });

  it('finds the grant by the owner and the approval by the approver', async () => {
    const owner = await cli(['--since', '1h', '--user', ALICE.email]);
    expect(owner.code).toBe(0);
    expect(
      owner.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(LIFECYCLE);
    const approver = await cli(['--since', '1h', '--user', BOB.email]);
    expect(
      approver.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['grant.approved']);
    expectNoSecret(owner.stdout);
  });

  it('writes the same events as CSV, with no secret in it either', async () => {
    const run = await cli(['--since', '1h', '--grant', grantId, '--format', 'csv']);
    expect(run.code).toBe(0);
    const rows = run.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    const typeAt = CSV_COLUMNS.indexOf('type');
    expect(rows.slice(1).map((row) => row.split(',')[typeAt])).toEqual(LIFECYCLE);
    expect(run.stdout).toContain(SID);
    expectNoSecret(run.stdout);
  });

  it('logs the same events through pino, with no secret in them', () => {
    const audited = env.server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.audit?.grantId === grantId);
    expect(audited.map((entry) => entry.audit.type)).toEqual(LIFECYCLE);
    expectNoSecret(JSON.stringify(audited));
  });
});
