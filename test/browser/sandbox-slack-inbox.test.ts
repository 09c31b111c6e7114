// A newcomer's first run: `npm start` with no credentials, an assistant asks, a person approves in the sandbox
// Slack inbox in headless Chromium, and the assistant sees the narrowed grant. Screenshot saved.

import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { REDIS_URL } from '../support/redis.js';
import { deleteKeys, freePort, type ServerProcess, spawnServer } from '../support/server-process.js';

const ARTIFACTS = 'test-artifacts';
const PREFIX = `cs-sandbox-${randomUUID().slice(0, 8)}:`;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let assistant: Client;
let inboxUrl: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // No WorkOS or Slack credentials at all: the process starts its own stand-ins, as `npm start` does.
  server = await spawnServer({
    PORT: String(await freePort()),
    // Its sign-in server on a port of its own and its keys in a throwaway folder, so runs never collide.
    SANDBOX_AUTH_PORT: String(await freePort()),
    SANDBOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'countersign-sandbox-')),
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
  });
  const { token, mcpUrl } = (await (await fetch(`${server.url}/sandbox/token`)).json()) as {
    token: string;
    mcpUrl: string;
  };
  expect(mcpUrl).toBe(`${server.url}/mcp`);
  assistant = await connectClient(server.url, token, 'claude-code');
  const redirect = await fetch(`${server.url}/sandbox/slack`, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  inboxUrl = redirect.headers.get('location')!;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await assistant?.close();
  await browser?.close();
  await server?.stop();
  await deleteKeys([`${PREFIX}*`, `{${PREFIX.replace(/[:{}]/g, '')}-jobs}*`]);
});

describe('the sandbox token', () => {
  const rawGet = (path: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}${path}`, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('is refused through a proxy or tunnel, and to a non-loopback Host', async () => {
    const port = new URL(server.url).port;
    expect(await rawGet('/sandbox/token', { host: `127.0.0.1:${port}` })).toBe(200);
    for (const header of ['x-forwarded-for', 'forwarded', 'cf-connecting-ip', 'x-forwarded-host']) {
      expect(await rawGet('/sandbox/token', { host: `127.0.0.1:${port}`, [header]: '203.0.113.9' })).toBe(
        403,
      );
      expect(await rawGet('/sandbox', { host: `127.0.0.1:${port}`, [header]: '203.0.113.9' })).toBe(403);
    }
    // A tunnel that keeps the public Host: still refused (the host guard or the token route says no).
    expect(await rawGet('/sandbox/token', { host: 'abc.tunnel.example' })).toBe(403);
  });

  it('mints a distinct session for every token', async () => {
    const sessionOf = async () => {
      const { token } = (await (await fetch(`${server.url}/sandbox/token`)).json()) as { token: string };
      return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string;
    };
    const [a, b] = [await sessionOf(), await sessionOf()];
    expect(a).not.toBe(b);
  });
});

describe('sandbox Slack inbox in a real browser', () => {
  it('shows the request, an approver unticks a provider and approves, and the assistant sees it', async () => {
    const banner = server.output();
    expect(banner).toContain('SANDBOX MODE');
    expect(banner).toContain(inboxUrl);

    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear', 'notion'],
      reason: 'Close out the sprint',
    });
    const { requestId } = requested.structuredContent!;
    const waiting = callTool(assistant, 'check_access_request', { requestId, waitSeconds: 20 });

    // Bob is an approver through the @approvers group; write requests go to #access-approvals.
    await page.goto(`${inboxUrl}?as=U0BOB&conv=C0APPROVALS`);
    await page.locator('body[data-ready="1"]').waitFor();
    await expect
      .poll(() => page.getByTestId('conversation-title').textContent())
      .toContain('access-approvals');
    const message = page.locator('article.msg', { hasText: 'Close out the sprint' }).last();
    await message.waitFor({ timeout: 30_000 });
    expect(await message.textContent()).toContain('Claude Code');

    await page.screenshot({ path: `${ARTIFACTS}/sandbox-slack-request.png`, fullPage: true });
    const notion = message.getByTestId('checkbox-cs_providers-notion');
    expect(await notion.isChecked()).toBe(true);
    await notion.uncheck();
    await message.getByTestId('input-cs_notes').fill('Sprint 42 only');
    page.once('dialog', (dialog) => void dialog.accept());
    await message.getByTestId('button-cs_approve').click();
    await page.locator('[data-testid="click-result"][data-result="ok"]').waitFor();

    const decided = (await waiting).structuredContent!;
    expect(decided.status).toBe('approved');
    expect(decided.providers).toEqual(['linear']);
    expect(decided.instructions).toBe('Sprint 42 only');

    // The page picks up the re-rendered message: approved, no buttons left.
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toContain('Approved');
    expect(await message.getByTestId('button-cs_approve').count()).toBe(0);
    expect(await message.textContent()).toContain('Sprint 42 only');
    await page.screenshot({ path: `${ARTIFACTS}/sandbox-slack-approved.png`, fullPage: true });

    // The requester hears the outcome in her DM.
    await page.goto(`${inboxUrl}?as=U0ALICE`);
    await page.locator('body[data-ready="1"]').waitFor();
    await expect
      .poll(() => page.getByTestId('messages').textContent(), { timeout: 30_000 })
      .toMatch(/approved/i);
    await callTool(assistant, 'release_access');
  }, 120_000);
});
