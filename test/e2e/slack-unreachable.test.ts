// Slack down when we start: the process serves anyway, requests still get their consent link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, freePort, startEnvironment } from '../support/server-process.js';

let env: Environment;

beforeAll(async () => {
  const nobody = await freePort();
  env = await startEnvironment({
    SLACK_BOT_TOKEN: 'xoxb-unreachable',
    SLACK_APP_TOKEN: 'xapp-unreachable',
    SLACK_API_URL: `http://127.0.0.1:${nobody}/api/`,
    APPROVALS_CHANNEL: 'C0APPROVALS',
    LOG_LEVEL: 'warn',
  });
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

describe('Slack unreachable at start', () => {
  it('keeps serving MCP, and the request answers at once with its consent link', async () => {
    const assistant = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_no_slack' }),
    );
    const started = Date.now();
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
    });
    // It does not wait for Slack (whose client would retry for minutes); 10 s still holds on a 4x slower machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(requested.structuredContent).toMatchObject({ status: 'pending' });
    expect(requested.structuredContent!.approvalUrl).toMatch(/\/approve\?token=/);
    expect(textOf(requested)).toContain('Slack');
    await assistant.close();

    // Slack's own libraries log through ours: structured lines, nothing printed on the side.
    await expect
      .poll(() => env.server.output(), { timeout: 30_000 })
      .toMatch(/"component":"bolt".*"msg":"http request failed/);
    expect(env.server.output()).not.toMatch(/^\[WARN\]/m);
    expect(env.server.child.exitCode).toBeNull();
    expect((await fetch(`${env.server.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
  }, 120_000);
});
