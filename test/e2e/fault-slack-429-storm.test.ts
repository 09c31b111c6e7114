// Fault: a Slack 429 storm with two worker processes. Slack's limits are tight, so most calls meet a 429;
// many grants change state meanwhile. No call goes out inside a Retry-After window Slack announced (the
// stand-in checks arrival times), and every grant's message ends up right, exactly once.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

const GRANTS = 10;
let env: Environment;
let assistant: Client;

beforeAll(async () => {
  env = await startEnvironment(
    { SELF_APPROVE: 'read', REMINDER_AT: '0', REQUESTS_PER_MINUTE: '100' },
    { slack: 'http' },
  );
  // A second process running jobs beside the first (which serves HTTP and runs jobs too).
  await env.another({}, ['--role=worker']);
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_storm' }),
  );
}, 60_000);
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

const slack = () => env.slack!;
/** The grant's request message: in the approvals channel, not a thread reply (audit lines name the grant too). */
const mentions = (grantId: string) => (m: SlackMessage) =>
  m.channel === 'C0APPROVALS' && !m.thread_ts && JSON.stringify(m.blocks).includes(grantId);
const requestMessages = (grantId: string) =>
  slack()
    .messages('C0APPROVALS')
    .filter((m) => !m.thread_ts && mentions(grantId)(m));

async function requestCall(n: number): Promise<string> {
  const result = await callTool(assistant, 'request_elevated_access', {
    kind: 'call',
    method: 'POST',
    url: `${env.demo.linearUrl}/graphql`,
    body: { query: `mutation { issueArchive(id: "storm-${n}") { success } }` },
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  return (result.structuredContent as { requestId: string }).requestId;
}

describe('a 429 storm with two workers', () => {
  it('makes no call inside Retry-After, and every message is right at the end', async () => {
    // Two calls a second per method: posts (requests, audit lines, outcome DMs) and updates queue up behind 429s.
    slack().limit('chat.postMessage', { perWindow: 2, windowSeconds: 1 });
    slack().limit('chat.update', { perWindow: 2, windowSeconds: 1 });

    const ids: string[] = [];
    for (let n = 0; n < GRANTS; n++) ids.push(await requestCall(n));
    const posted = await Promise.all(
      ids.map((id) => slack().waitForMessage(mentions(id), 90_000, { includeExisting: true })),
    );

    // Decide each while the storm goes on: approve the even ones, deny the odd ones.
    for (const [i, message] of posted.entries()) {
      const result = await slack().click({
        as: 'U0BOB',
        channel: message.channel,
        ts: message.ts,
        actionId: i % 2 === 0 ? 'cs_approve' : 'cs_deny',
      });
      expect(result.status).toBe(200);
    }
    for (const [i, id] of ids.entries()) {
      const want = i % 2 === 0 ? /approved/i : /denied/i;
      await expect
        .poll(() => requestMessages(id).map((m) => m.text), { timeout: 120_000, interval: 250 })
        .toEqual([expect.stringMatching(want)]);
    }

    const limited = slack()
      .calls()
      .filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(5);
    expect(slack().retryAfterViolations()).toEqual([]);
  }, 300_000);
});
