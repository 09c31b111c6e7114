// Fault: Redis restarts without persistence (all data lost) under a running server with Slack. Background
// work heals itself (a request made afterwards still expires and its message is re-rendered), the reset is
// reported once (log, metric, /readyz, one audit-channel notice, the admin's DM), and a click on a message
// whose request Redis forgot rewrites that message instead of leaving dead buttons.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { parsePrometheusText, sampleValue } from '../integration/ops/prometheus-text.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';
import { CAROL, type Environment, startEnvironment } from '../support/server-process.js';

const BOB_ID = 'U0BOB';
const DECISION_WINDOW_MS = 8000;
const AUDIT_CHANNEL = 'C0GENERAL';
const RESET_NOTICE = /Redis lost its data/;

let redis: PrivateRedis;
let env: Environment;
let assistant: Client;
/** A second session of Alice's, for a grant that is approved before the reset. */
let other: Client;

beforeAll(async () => {
  redis = await startPrivateRedis();
  env = await startEnvironment(
    {
      REDIS_URL: redis.url,
      SELF_APPROVE: 'read',
      DECISION_WINDOW: `${DECISION_WINDOW_MS}ms`,
      REMINDER_AT: '0',
    },
    { slack: 'http' },
  );
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_redis_reset' }),
  );
  other = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_redis_reset_other' }),
  );
}, 60_000);
afterAll(async () => {
  await assistant?.close();
  await other?.close();
  await env?.stop();
  await redis?.stop();
});

const slack = () => env.slack!;
const hasAction = (m: SlackMessage, actionId: string) => JSON.stringify(m.blocks).includes(`"${actionId}"`);
const hasButtons = (m: SlackMessage) => hasAction(m, 'cs_approve');
const buttonFor = (grantId: string) => (m: SlackMessage) =>
  m.channel === 'C0APPROVALS' && hasButtons(m) && JSON.stringify(m.blocks).includes(grantId);
const markedGone = (message: SlackMessage) =>
  slack().waitForMessage(
    (m) => m.ts === message.ts && m.channel === message.channel && /no longer known/.test(m.text),
    60_000,
    { includeExisting: true },
  );

async function request(client = assistant): Promise<{ requestId: string; message: SlackMessage }> {
  const result = await callTool(client, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
    reason: 'redis reset e2e',
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  const { requestId } = result.structuredContent as { requestId: string };
  const message = await slack().waitForMessage(buttonFor(requestId), 60_000, { includeExisting: true });
  return { requestId, message };
}

const latest = (message: SlackMessage) =>
  slack()
    .messages(message.channel)
    .find((m) => m.ts === message.ts)!;

async function readyz() {
  const res = await fetch(`${env.server.url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as {
      checks: Record<string, string>;
      down: string[];
      details?: Record<string, Record<string, unknown>>;
    },
  };
}

async function resetsCounted(): Promise<number> {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  return sampleValue(parsePrometheusText(text), 'countersign_redis_resets_total', {});
}

const resetNotices = () =>
  slack()
    .messages(AUDIT_CHANNEL)
    .filter((m) => RESET_NOTICE.test(m.text));

describe('Redis restarts empty under a running server', () => {
  it('heals its background work, reports the reset once, and marks forgotten requests on click', async () => {
    const before = await readyz();
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.checks).toMatchObject({ schedulers: 'present', workers: 'up', epoch: 'ok' });
    expect(await resetsCounted()).toBe(0);

    const old = await request();
    // And one approved: its message carries Revoke and Extend.
    const granted = await request(other);
    await slack().click({
      as: BOB_ID,
      channel: granted.message.channel,
      ts: granted.message.ts,
      actionId: 'cs_approve',
      state: { cs_providers: ['linear'] },
    });
    await slack().waitForMessage((m) => m.ts === granted.message.ts && hasAction(m, 'cs_revoke'), 60_000, {
      includeExisting: true,
    });

    // SIGKILL and a fresh start on the same port: no persistence, so every key is gone.
    const exited = new Promise((resolve) => redis.process().once('exit', resolve));
    redis.kill();
    await exited;
    await redis.start();

    // The reset is seen and reported: metric, readiness detail (still ready once the schedulers are back).
    await expect.poll(resetsCounted, { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await readyz()).status, { timeout: 30_000 }).toBe(200);
    const after = await readyz();
    expect(after.body.checks).toMatchObject({
      redis: 'up',
      schedulers: 'present',
      workers: 'up',
      epoch: 'reset',
    });
    expect(after.body.details?.epoch).toMatchObject({ resets: 1 });
    expect(Date.parse(String(after.body.details?.epoch?.lastResetAt))).toBeGreaterThan(0);

    // One notice in the audit channel, one DM to the admin.
    await expect.poll(() => resetNotices().length, { timeout: 30_000 }).toBe(1);
    await expect
      .poll(
        () =>
          slack()
            .dmOf(CAROL.id)
            .filter((m) => RESET_NOTICE.test(m.text)).length,
        { timeout: 30_000 },
      )
      .toBe(1);

    // The old request is gone: the assistant reads not_found ...
    const lost = await callTool(assistant, 'check_access_request', { requestId: old.requestId });
    expect(JSON.stringify(lost)).toMatch(/not_found|not found/i);

    // ... and a click on its message rewrites that message: no buttons, "no longer known".
    const click = await slack().click({
      as: BOB_ID,
      channel: old.message.channel,
      ts: old.message.ts,
      actionId: 'cs_approve',
      state: { cs_providers: ['linear'] },
    });
    expect(click.status).toBe(200);
    const marked = await markedGone(old.message);
    expect(hasButtons(marked)).toBe(false);
    expect(JSON.stringify(marked.blocks)).not.toContain('"actions"');
    await expect
      .poll(
        () =>
          slack()
            .ephemerals(BOB_ID)
            .some((e) => /no longer exists/.test(e.text)),
        { timeout: 60_000 },
      )
      .toBe(true);

    // Revoke on the approved grant's message: the same.
    await slack().click({
      as: CAROL.id,
      channel: granted.message.channel,
      ts: granted.message.ts,
      actionId: 'cs_revoke',
    });
    const revokedGone = await markedGone(granted.message);
    expect(hasAction(revokedGone, 'cs_revoke')).toBe(false);
    expect(hasAction(revokedGone, 'cs_extend')).toBe(false);

    // A request made after the reset expires at its deadline: the sweep runs again, the message is re-rendered.
    const fresh = await request();
    await expect
      .poll(() => hasButtons(latest(fresh.message)), { timeout: DECISION_WINDOW_MS + 30_000, interval: 500 })
      .toBe(false);
    const status = await callTool(assistant, 'check_access_request', { requestId: fresh.requestId });
    expect(status.structuredContent?.status).toBe('expired');

    // Still exactly one notice and one counted reset: later checks adopted the new epoch.
    expect(resetNotices()).toHaveLength(1);
    expect(await resetsCounted()).toBe(1);
    expect(env.server.output()).toMatch(/Redis lost its data/);
  }, 150_000);
});
