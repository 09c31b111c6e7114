// End to end: the real server process, the MCP SDK client, and a person deciding on the consent page over HTTP.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, MALLORY, type SandboxPerson } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';
import { type FormFields, hiddenField, pageText, WebBrowser } from '../support/web-browser.js';

let env: Environment;
let assistant: Client;
const SID = 'session_e2e_flows';

beforeAll(async () => {
  env = await startEnvironment({ SELF_APPROVE: 'read' });
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: SID }),
    'claude-code',
  );
});
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

async function signedIn(person: SandboxPerson): Promise<WebBrowser> {
  const browser = new WebBrowser(env.server.url);
  const page = await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(person.email)}`);
  expect(page.status).toBe(200);
  return browser;
}

/** Opens the consent link as `person` and submits the form with `fields` (token and CSRF taken from the page). */
async function decide(person: SandboxPerson, approvalUrl: string, fields: FormFields) {
  const browser = await signedIn(person);
  const form = await browser.visit(approvalUrl);
  expect(form.status, pageText(form.body)).toBe(200);
  const result = await browser.post('/approve', {
    token: hiddenField(form.body, 'token'),
    csrf: hiddenField(form.body, 'csrf'),
    ...fields,
  });
  const settled =
    result.status >= 300 && result.status < 400
      ? await browser.visit(result.headers.get('location')!)
      : result;
  return { form, result: settled, text: pageText(settled.body) };
}

const linearQuery = { query: '{ viewer { id name } }' };

describe('broad access', () => {
  it('goes from request to narrowed approval to calls, and ends when released', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear', 'notion'],
      durationMinutes: 10,
      reason: 'Triage this week’s bugs',
    });
    expect(requested.isError).toBeFalsy();
    const { requestId, approvalUrl, status } = requested.structuredContent!;
    expect(status).toBe('pending');
    expect(requested.structuredContent!.kind).toBe('session');
    expect(textOf(requested).split(approvalUrl).length - 1).toBe(1);
    expect(approvalUrl).toContain('/approve?token=');

    const pending = await callTool(assistant, 'check_access_request', { requestId });
    expect(pending.structuredContent).toMatchObject({ status: 'pending', pollAfterMs: expect.any(Number) });

    // Bob (an approver) unticks Notion, keeps write, and leaves instructions.
    const { form, text } = await decide(BOB, approvalUrl, {
      decision: 'approve',
      providers: ['linear'],
      level: 'write',
      duration: String(10 * 60_000),
      notes: 'Only the ENG team’s issues.',
    });
    expect(pageText(form.body)).toContain('Claude Code');
    expect(pageText(form.body)).toContain('Triage this week’s bugs');
    expect(text).toMatch(/approved/i);

    const approved = await callTool(assistant, 'check_access_request', { requestId });
    expect(approved.structuredContent).toMatchObject({
      status: 'approved',
      level: 'write',
      providers: ['linear'],
      instructions: 'Only the ENG team’s issues.',
      decidedBy: BOB.email,
    });
    const expiresIn = approved.structuredContent!.expiresInSeconds as number;
    expect(expiresIn).toBeGreaterThan(590);
    expect(expiresIn).toBeLessThanOrEqual(600);
    expect(textOf(approved)).toContain('Only the ENG team’s issues.');

    const read = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: linearQuery,
    });
    expect(read.isError).toBeFalsy();
    expect(read.structuredContent).toMatchObject({ ok: true, status: 200, provider: 'linear' });
    // The provider saw the Pipes token, which the assistant never did.
    const upstream = env.demo.calls().at(-1)!;
    expect(upstream.headers?.authorization).toMatch(/^Bearer sandbox_linear_/);
    expect(JSON.stringify(read)).not.toContain(upstream.headers!.authorization!.slice(7));

    const notion = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.notionUrl}/v1/search`,
      body: {},
    });
    expect(notion.isError).toBe(true);
    expect(textOf(notion)).toContain('provider_not_granted');

    const whoami = await callTool(assistant, 'whoami');
    expect(whoami.structuredContent).toMatchObject({
      clientName: 'claude-code',
      access: { level: 'write', providers: ['linear'] },
    });

    const released = await callTool(assistant, 'release_access');
    expect(released.structuredContent?.status).toBe('released');
    const after = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: linearQuery,
    });
    expect(textOf(after)).toContain('no_access');
  });

  it('supersedes a pending request: the new link works, the old one says superseded', async () => {
    const first = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    const second = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    expect(second.structuredContent?.supersededRequestId).toBe(first.structuredContent?.requestId);

    const browser = await signedIn(ALICE);
    const old = await browser.visit(first.structuredContent!.approvalUrl);
    expect(pageText(old.body)).toMatch(/superseded|replaced/i);

    const { text } = await decide(ALICE, second.structuredContent!.approvalUrl, {
      decision: 'approve',
      providers: ['linear'],
    });
    expect(text).toMatch(/approved/i);
    const checkOld = await callTool(assistant, 'check_access_request', {
      requestId: first.structuredContent!.requestId,
    });
    expect(checkOld.structuredContent?.status).toBe('superseded');
    await callTool(assistant, 'release_access');
  });

  it('lets a requester approve only up to SELF_APPROVE, and refuses strangers', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
    });
    const url = requested.structuredContent!.approvalUrl;

    const stranger = await signedIn(MALLORY);
    const refused = await stranger.visit(url);
    expect(pageText(refused.body)).toMatch(/not (the requester|allowed|an approver)/i);

    const own = await decide(ALICE, url, { decision: 'approve', providers: ['linear'], level: 'write' });
    expect(own.text).toMatch(/read/i);
    const still = await callTool(assistant, 'check_access_request', {
      requestId: requested.structuredContent!.requestId,
    });
    expect(still.structuredContent?.status).toBe('pending');

    // Downgraded to read, Alice may approve her own request.
    await decide(ALICE, url, { decision: 'approve', providers: ['linear'], level: 'read' });
    const approved = await callTool(assistant, 'check_access_request', {
      requestId: requested.structuredContent!.requestId,
    });
    expect(approved.structuredContent).toMatchObject({ status: 'approved', level: 'read' });
    const mutation = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: 'mutation { issueCreate(input: {title: "x"}) { success } }' },
    });
    expect(textOf(mutation)).toContain('write_not_granted');
    await callTool(assistant, 'release_access');
  });
});

describe('per-request approval', () => {
  it('binds method, URL and body; a mismatch does not use the approval; it works exactly once', async () => {
    const page = { parent: { page_id: 'p1' }, properties: { title: 'Release notes' } };
    const url = `${env.demo.notionUrl}/v1/pages`;
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url,
      body: page,
    });
    expect(requested.structuredContent).toMatchObject({ status: 'pending', level: 'write', kind: 'call' });
    const requestId = requested.structuredContent!.requestId;

    const early = await callTool(assistant, 'call_integration_api', {
      url,
      method: 'POST',
      body: page,
      requestId,
    });
    expect(textOf(early)).toContain('approval_not_usable');

    await decide(BOB, requested.structuredContent!.approvalUrl, {
      decision: 'approve',
      notes: 'Just this one',
    });

    const other = await callTool(assistant, 'call_integration_api', {
      url,
      method: 'POST',
      body: { ...page, properties: { title: 'Something else' } },
      requestId,
    });
    expect(textOf(other)).toContain('call_mismatch');
    const wrongUrl = await callTool(assistant, 'call_integration_api', {
      url: `${url}/x`,
      method: 'POST',
      body: page,
      requestId,
    });
    expect(textOf(wrongUrl)).toContain('call_mismatch');

    const exact = await callTool(assistant, 'call_integration_api', {
      url,
      method: 'POST',
      body: page,
      requestId,
    });
    expect(exact.structuredContent).toMatchObject({ ok: true, provider: 'notion', requestId });
    const again = await callTool(assistant, 'call_integration_api', {
      url,
      method: 'POST',
      body: page,
      requestId,
    });
    expect(textOf(again)).toContain('approval_not_usable');
    const status = await callTool(assistant, 'check_access_request', { requestId });
    expect(status.structuredContent?.status).toBe('consumed');
  });

  it('refuses a body when the approved call had none', async () => {
    const url = `${env.demo.linearUrl}/graphql`;
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url,
    });
    await decide(BOB, requested.structuredContent!.approvalUrl, { decision: 'approve' });
    const smuggled = await callTool(assistant, 'call_integration_api', {
      url,
      method: 'POST',
      body: { query: 'mutation { issueDelete(id: "1") { success } }' },
      requestId: requested.structuredContent!.requestId,
    });
    expect(textOf(smuggled)).toContain('call_mismatch');
    expect(textOf(smuggled)).toContain('has none');
  });

  it('denials carry the reason back to the assistant', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'DELETE',
      url: `${env.demo.notionUrl}/v1/blocks/b1`,
    });
    await decide(BOB, requested.structuredContent!.approvalUrl, {
      decision: 'deny',
      notes: 'Not on a Friday',
    });
    const denied = await callTool(assistant, 'check_access_request', {
      requestId: requested.structuredContent!.requestId,
    });
    expect(denied.structuredContent).toMatchObject({
      status: 'denied',
      statusReason: 'Not on a Friday',
      decidedBy: BOB.email,
    });
  });
});

describe('waiting for a decision', () => {
  it('returns the moment the approval is applied, with progress while waiting', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    const requestId = requested.structuredContent!.requestId;
    const progress: number[] = [];
    let progressed: () => void = () => undefined;
    const firstProgress = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const started = Date.now();
    const waiting = callTool(
      assistant,
      'check_access_request',
      { requestId, waitSeconds: 25 },
      {
        onprogress: (p) => {
          progress.push(p.progress);
          progressed();
        },
        resetTimeoutOnProgress: true,
      },
    );
    // Decide once the wait has reported progress (every 5 s), not after a fixed sleep that a slow start outruns.
    await firstProgress;
    await decide(ALICE, requested.structuredContent!.approvalUrl, {
      decision: 'approve',
      providers: ['linear'],
    });
    const result = await waiting;
    expect(result.structuredContent?.status, `${textOf(result)}\n${env.server.output()}`).toBe('approved');
    // The approval ended the wait: it answered before its 25 s ran out (which would have read the same status).
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    await callTool(assistant, 'release_access');
  });
});

describe('bad input changes nothing', () => {
  it.each([
    [{ kind: 'session' }, 'level'],
    [{ kind: 'session', level: 'read', providers: ['github'] }, 'unknown_provider'],
    [{ kind: 'call', method: 'GET', url: 'https://evil.example.com/graphql' }, 'unsupported_url'],
    [{ kind: 'call', method: 'POST', url: 'http://api.linear.app/graphql' }, 'unsupported_url'],
    [{ kind: 'call', method: 'POST' }, 'url and method'],
    [{ kind: 'session', level: 'admin' }, 'Input validation error'],
    [{ kind: 'session', level: 'read', reason: 'x'.repeat(5000) }, 'Input validation error'],
  ])('request_elevated_access %# → %s', async (args, message) => {
    const before = await callTool(assistant, 'whoami');
    const result = await callTool(assistant, 'request_elevated_access', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(message);
    const after = await callTool(assistant, 'whoami');
    expect(after.structuredContent).toEqual(before.structuredContent);
  });

  it('refuses unknown provider URLs for calls', async () => {
    const result = await callTool(assistant, 'call_integration_api', {
      url: 'https://example.com/api',
      method: 'GET',
    });
    expect(textOf(result)).toContain('unsupported_url');
  });

  it('refuses a body nested 20,000 levels deep with a clear invalid_input, for a request and for a call', async () => {
    // Sent as raw JSON-RPC text: no JSON.stringify on this side could build it either.
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const url = `${env.demo.linearUrl}/graphql`;
    const token = await env.workos.mintAccessToken(ALICE.id, { sid: SID });
    const rawCall = async (name: string, args: string) => {
      const response = await fetch(`${env.server.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`,
      });
      return { status: response.status, text: await response.text() };
    };
    const before = await callTool(assistant, 'whoami');
    const asked = await rawCall(
      'request_elevated_access',
      `{"kind":"call","method":"POST","url":"${url}","body":${deep}}`,
    );
    expect(asked.status).toBe(200);
    expect(asked.text).toMatch(/invalid_input.*deeper than 64 levels/);
    const called = await rawCall('call_integration_api', `{"method":"POST","url":"${url}","body":${deep}}`);
    expect(called.text).toMatch(/invalid_input.*deeper than 64 levels/);
    expect((await callTool(assistant, 'whoami')).structuredContent).toEqual(before.structuredContent);
  });

  it('does not reveal another session’s request', async () => {
    const other = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(MALLORY.id, { sid: 'session_m' }),
    );
    const mine = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    const peek = await callTool(other, 'check_access_request', {
      requestId: mine.structuredContent!.requestId,
    });
    expect(peek.structuredContent?.status).toBe('not_found');
    await other.close();
  });
});
