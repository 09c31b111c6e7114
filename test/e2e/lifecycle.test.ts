// The grant lifecycle on the job queue, end to end: expiry of undecided requests and of approved access,
// reminders, usage on the message, delivery reported to the assistant, and jobs dropped when moot.
import type { Client } from '@modelcontextprotocol/client';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { auditTypesOf } from '../support/audit.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

// Long enough for a test's own steps (request, click, three calls) to fit inside on a 4x slower machine.
const DECISION_WINDOW_MS = 10_000;
const ACCESS_MS = 10_000;
/** How long after a deadline its effect may show up here: how late it lands is the bench's business. */
const SLACK_MS = 60_000;
let env: Environment;
let assistant: Client;
let redis: RedisClient;
let queue: Queue;

beforeAll(async () => {
  env = await startEnvironment(
    {
      SELF_APPROVE: 'read',
      DECISION_WINDOW: `${DECISION_WINDOW_MS}ms`,
      DEFAULT_ACCESS_DURATION: `${ACCESS_MS}ms`,
      REMINDER_AT: '50',
      USAGE_REFRESH: '500ms',
    },
    { slack: 'http' },
  );
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_lifecycle' }),
  );
  redis = testRedis();
  queue = new Queue('grants', {
    connection: testRedis({ maxRetriesPerRequest: null }),
    prefix: `{${env.prefix.replace(/[:{}]/g, '')}-jobs}`,
  });
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  await queue?.close();
  redis?.disconnect();
  await env?.stop();
});

const slack = () => env.slack!;
const approveButton = (grantId: string) => (m: SlackMessage) =>
  m.blocks.some((b) =>
    (b.elements ?? []).some(
      (e: { action_id?: string; value?: string }) => e.action_id === 'cs_approve' && e.value === grantId,
    ),
  );
const hasButtons = (m: SlackMessage) => JSON.stringify(m.blocks).includes('"cs_approve"');

async function request(args: Record<string, unknown>) {
  const result = await callTool(assistant, 'request_elevated_access', args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent!;
}

const status = async (requestId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId })).structuredContent!;

function messageOf(grantId: string) {
  return slack().waitForMessage(approveButton(grantId), 30_000, { includeExisting: true });
}

function rendered(message: SlackMessage, done: (m: SlackMessage) => boolean, timeoutMs = 30_000) {
  return slack().waitForMessage(
    (m) => m.ts === message.ts && m.channel === message.channel && done(m),
    timeoutMs,
    {
      includeExisting: true,
    },
  );
}

const auditTypes = (grantId: string) => auditTypesOf(redis, env.prefix, grantId);

describe('a request nobody decides', () => {
  it('expires at its deadline: the message loses its buttons, the assistant is told, once', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    // The assistant learns the message is out.
    await expect
      .poll(async () => (await status(requested.requestId)).slack)
      .toEqual({
        delivered: true,
        channel: 'C0APPROVALS',
      });

    // Half way through the window, one reminder in the thread pings the approvers.
    const reminder = await slack().waitForMessage(
      (m) => m.thread_ts === message.ts,
      DECISION_WINDOW_MS + SLACK_MS,
      {
        includeExisting: true,
      },
    );
    expect(reminder.text).toContain('<!subteam^S0APPROVERS>');
    expect(reminder.text).toMatch(/still waiting/);

    const expired = await rendered(message, (m) => !hasButtons(m), DECISION_WINDOW_MS + SLACK_MS);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(requested.decideBy));
    expect(expired.text).toMatch(/expired/i);
    expect((await status(requested.requestId)).status).toBe('expired');
    await expect.poll(() => auditTypes(requested.requestId)).toContain('grant.expired');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await auditTypes(requested.requestId)).filter((t) => t === 'grant.expired')).toHaveLength(1);
    expect(
      slack()
        .messages(message.channel)
        .filter((m) => m.thread_ts === message.ts),
    ).toHaveLength(1);
  }, 180_000);

  it('sends no reminder into a self-approval DM', async () => {
    const requested = await request({ kind: 'session', level: 'read', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    expect(message.channel).toBe(slack().channelFor('U0ALICE'));
    await rendered(message, (m) => !hasButtons(m), DECISION_WINDOW_MS + SLACK_MS);
    expect(
      slack()
        .messages(message.channel)
        .filter((m) => m.thread_ts === message.ts),
    ).toHaveLength(0);
  }, 180_000);
});

describe('approved access', () => {
  it('shows its usage, ends at its end (not before), and calls after the end are refused', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    await slack().click({ as: 'U0BOB', channel: message.channel, ts: message.ts, actionId: 'cs_approve' });
    await expect.poll(async () => (await status(requested.requestId)).status).toBe('approved');

    const call = () =>
      callTool(assistant, 'call_integration_api', {
        url: `${env.demo.linearUrl}/graphql`,
        body: { query: '{ viewer { id } }' },
      });
    for (let i = 0; i < 3; i++) expect((await call()).isError).toBeFalsy();
    await rendered(message, (m) => JSON.stringify(m.blocks).includes('3 calls: 3 × 2xx; last'), SLACK_MS);

    const approved = await status(requested.requestId);
    const ended = await rendered(message, (m) => /ended/i.test(m.text), ACCESS_MS + SLACK_MS);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(approved.expiresAt));
    expect(hasButtons(ended)).toBe(false);
    const late = await call();
    expect(late.isError).toBe(true);
    expect((await status(requested.requestId)).status).toBe('ended');
    await expect.poll(() => auditTypes(requested.requestId)).toContain('grant.ended');
  }, 180_000);

  it('moves the expiry to the end of access on approval, and drops it when access is released early', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    await slack().click({ as: 'U0BOB', channel: message.channel, ts: message.ts, actionId: 'cs_approve' });
    await expect.poll(async () => (await status(requested.requestId)).status).toBe('approved');
    const { expiresAt } = await status(requested.requestId);
    const deadline = () => redis.zscore(`${queue.opts.prefix}:deadlines`, `expire:${requested.requestId}`);
    await expect.poll(deadline).toBe(String(Date.parse(expiresAt)));
    await callTool(assistant, 'release_access');
    await rendered(message, (m) => /released/i.test(m.text));
    await expect.poll(deadline).toBeNull();
  }, 180_000);
});
