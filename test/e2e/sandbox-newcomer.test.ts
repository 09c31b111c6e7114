// End to end in sandbox mode (`npm start` with no credentials): an assistant that uses the providers' real
// public URLs, as it knows them from training, reaches the demo APIs, and server_info says so; Dana, the
// sandbox's admin, is in the Slack inbox and her Home tab shows the admin's view.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { REDIS_URL } from '../support/redis.js';
import { deleteKeys, freePort, type ServerProcess, spawnServer } from '../support/server-process.js';

const PREFIX = `cs-sandbox-urls-${randomUUID().slice(0, 8)}:`;
// Its own sign-in port and data folder: never the checkout's .countersign/ nor PORT+1, which another test may hold.
const DATA_DIR = mkdtempSync(join(tmpdir(), 'countersign-newcomer-'));
let server: ServerProcess;
let assistant: Client;

beforeAll(async () => {
  server = await spawnServer({
    PORT: String(await freePort()),
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
    SANDBOX_AUTH_PORT: String(await freePort()),
    SANDBOX_DATA_DIR: DATA_DIR,
  });
  const { token } = (await (await fetch(`${server.url}/sandbox/token`)).json()) as { token: string };
  assistant = await connectClient(server.url, token, 'claude-code');
}, 90_000);

afterAll(async () => {
  await assistant?.close();
  await server?.stop();
  await deleteKeys([`${PREFIX}*`, `{${PREFIX.replace(/[:{}]/g, '')}-jobs}*`]);
  rmSync(DATA_DIR, { recursive: true, force: true });
});

describe('the real provider URLs in the sandbox', () => {
  it('server_info names the public addresses routed to the demo APIs', async () => {
    const info = await callTool(assistant, 'server_info');
    const providers = info.structuredContent!.providers as Array<{
      id: string;
      origin: string;
      routedFrom?: string;
    }>;
    expect(providers.find((p) => p.id === 'linear')).toMatchObject({
      origin: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      routedFrom: 'https://api.linear.app',
    });
    expect(providers.find((p) => p.id === 'notion')?.routedFrom).toBe('https://api.notion.com');
    expect(textOf(info)).toMatch(/Sandbox mode: .*real public URLs/);
  });

  it('accepts https://api.linear.app/graphql and binds the demo URL; an unknown host is still refused', async () => {
    const info = await callTool(assistant, 'server_info');
    const linear = (info.structuredContent!.providers as Array<{ id: string; origin: string }>).find(
      (p) => p.id === 'linear',
    )!;
    const asked = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url: 'https://api.linear.app/graphql',
      body: { query: 'mutation { issueCreate(input: {title: "x"}) { success } }' },
      reason: 'sandbox public URL e2e',
    });
    expect(asked.isError, textOf(asked)).toBeFalsy();
    expect(textOf(asked)).toContain(`${linear.origin}/graphql`);

    // A broad read grant is not needed to see the routing: unrouted, the call would be `unsupported_url`.
    const call = await callTool(assistant, 'call_integration_api', {
      method: 'POST',
      url: 'https://api.notion.com/v1/search',
      body: {},
    });
    expect(textOf(call)).not.toMatch(/unsupported_url/);
    const unknown = await callTool(assistant, 'call_integration_api', {
      method: 'GET',
      url: 'https://api.example.com/v1/search',
    });
    expect(textOf(unknown)).toMatch(/unsupported_url/);
  });

  it('has Dana, the admin, in the inbox: her Home tab shows every active grant and the audit', async () => {
    const redirect = await fetch(`${server.url}/sandbox/slack`, { redirect: 'manual' });
    const inbox = redirect.headers.get('location')!;
    const data = async (conv: string) =>
      (await (await fetch(`${inbox}/data?as=U0DANA&conv=${conv}`)).json()) as {
        people: Array<{ id: string; label: string }>;
        items: Array<{ html: string }>;
      };
    expect((await data('')).people.map((p) => p.label)).toContain('Dana Dahl (@dana) · admin');
    // Opening the Home tab sends app_home_opened; the published view is the admin's.
    await expect
      .poll(async () => (await data('home')).items.map((i) => i.html).join(''), { timeout: 30_000 })
      .toMatch(/All active access[\s\S]*Latest audit events/);
  }, 60_000);
});
