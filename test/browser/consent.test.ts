// Headless Chromium on the consent page: sign in through AuthKit, untick a provider, approve; screenshot saved.
import { mkdirSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB } from '../../src/sandbox/people.js';
import { launchChromium } from '../support/chromium.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

const ARTIFACTS = 'test-artifacts';
let env: Environment;
let browser: Browser;
let assistant: Client;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  env = await startEnvironment();
  // The server's public URL is http://127.0.0.1:PORT; the browser must use that same origin.
  browser = await launchChromium();
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_browser' }),
  );
}, 120_000);

afterAll(async () => {
  await assistant?.close();
  await browser?.close();
  await env?.stop();
});

describe('consent page in a real browser', () => {
  it('signs in, unticks a provider, approves, and the assistant sees the narrowed grant', async () => {
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear', 'notion'],
      reason: 'Summarise open incidents',
    });
    const { approvalUrl, requestId } = requested.structuredContent!;

    const page = await browser.newPage();
    await page.goto(approvalUrl);
    // Not signed in: we land on the stand-in's AuthKit sign-in page and pick Bob, an approver.
    await page.getByRole('button', { name: new RegExp(BOB.firstName) }).click();
    await page.waitForURL(/\/approve\?token=/);
    expect(await page.getByText('Summarise open incidents').count()).toBeGreaterThan(0);

    await page.getByRole('checkbox', { name: /Notion/ }).uncheck();
    await page.getByLabel(/notes|instructions/i).fill('Incidents only, please.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForLoadState('load');
    const shown = await page.content();
    expect(shown, shown.slice(0, 2000)).toMatch(/approved/i);
    await page.screenshot({ path: `${ARTIFACTS}/consent-approved.png`, fullPage: true });

    const status = await callTool(assistant, 'check_access_request', { requestId });
    expect(status.structuredContent).toMatchObject({
      status: 'approved',
      providers: ['linear'],
      level: 'write',
      instructions: 'Incidents only, please.',
      decidedBy: BOB.email,
    });
  });
});
