// End to end over Socket Mode: the same listeners, reached through the stand-in's WebSocket instead of HTTP.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
let assistant: Client;

beforeAll(async () => {
  env = await startEnvironment({ SELF_APPROVE: 'read' }, { slack: 'socket' });
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_socket' }),
    'cursor',
  );
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

const hasApprove = (m: SlackMessage, grantId?: string) =>
  m.blocks.some((b) =>
    (b.elements ?? []).some(
      (e: { action_id?: string; value?: string }) =>
        e.action_id === 'cs_approve' && (grantId === undefined || e.value === grantId),
    ),
  );

describe('Socket Mode', () => {
  it('serves no HTTP events endpoint: Slack reaches us over the socket only', async () => {
    expect(env.slack!.socketConnections()).toBeGreaterThanOrEqual(1);
    const res = await fetch(`${env.server.url}/slack/events`, { method: 'POST', body: 'payload=%7B%7D' });
    expect(res.status).toBe(404);
  });

  it('goes from request to a narrowed approval with instructions, and the message shows it', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear', 'notion'],
      reason: 'Update the roadmap',
    });
    expect(requested.isError, textOf(requested)).toBeFalsy();
    const { requestId } = requested.structuredContent!;
    const message = await env.slack!.waitForMessage((m) => hasApprove(m, requestId), 30_000, {
      includeExisting: true,
    });
    expect(message.channel).toBe('C0APPROVALS');

    const waiting = callTool(assistant, 'check_access_request', { requestId, waitSeconds: 20 });
    const click = await env.slack!.click({
      as: 'U0BOB',
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
      state: { cs_providers: ['notion'], cs_notes: 'Roadmap page only' },
    });
    expect(click.via).toBe('socket');
    expect(click.status).toBe(200);

    const decided = (await waiting).structuredContent!;
    expect(decided.status).toBe('approved');
    expect(decided.providers).toEqual(['notion']);
    expect(decided.instructions).toBe('Roadmap page only');

    const updated = await env.slack!.waitForMessage((m) => m.ts === message.ts && !hasApprove(m), 30_000, {
      includeExisting: true,
    });
    expect(updated.text).toMatch(/approved/i);
    await callTool(assistant, 'release_access');
  }, 120_000);

  it('reconnects when Slack asks it to, and clicks keep working', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
    });
    const { requestId } = requested.structuredContent!;
    const message = await env.slack!.waitForMessage((m) => hasApprove(m, requestId), 30_000, {
      includeExisting: true,
    });
    env.slack!.disconnect('refresh_requested');
    await expect.poll(() => env.slack!.socketConnections(), { timeout: 30_000 }).toBe(0);
    await env.slack!.waitForSocket(30_000);
    const click = await env.slack!.click({
      as: 'U0BOB',
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
    });
    expect(click.via).toBe('socket');
    const decided = await callTool(assistant, 'check_access_request', { requestId, waitSeconds: 10 });
    expect(decided.structuredContent!.status).toBe('approved');
    await callTool(assistant, 'release_access');
  }, 120_000);
});
