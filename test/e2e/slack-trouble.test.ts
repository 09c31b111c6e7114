// Slack in trouble: down when a request is made, then rate limiting. Requests answer at once, every message
// ends up right, nothing is lost, and no worker calls Slack inside a Retry-After window.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
let assistant: Client;

beforeAll(async () => {
  env = await startEnvironment({ SELF_APPROVE: 'read', REMINDER_AT: '0' }, { slack: 'http' });
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_trouble' }),
  );
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

const slack = () => env.slack!;
const mentions = (grantId: string) => (m: SlackMessage) => JSON.stringify(m.blocks).includes(grantId);
/** The request message itself with its buttons (not a thread reply or the audit channel's line, which also name it). */
const requestMessage = (grantId: string) => (m: SlackMessage) =>
  m.channel === 'C0APPROVALS' &&
  !m.thread_ts &&
  mentions(grantId)(m) &&
  JSON.stringify(m.blocks).includes('"cs_approve"');
const requestMessages = (grantId: string) =>
  slack()
    .messages('C0APPROVALS')
    .filter((m) => !m.thread_ts && mentions(grantId)(m));

async function requestCall(n: number): Promise<Record<string, any>> {
  const started = Date.now();
  const result = await callTool(assistant, 'request_elevated_access', {
    kind: 'call',
    method: 'POST',
    url: `${env.demo.linearUrl}/graphql`,
    body: { query: `mutation { issueArchive(id: "${n}") { success } }` },
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  const view: Record<string, any> = result.structuredContent!;
  return { ...view, text: textOf(result), answeredInMs: Date.now() - started };
}

const check = async (requestId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId })).structuredContent!;

describe('Slack slow', () => {
  it('reports the message posted while check_access_request waited, as told when the post was recorded', async () => {
    // Slack answers 2.5 s late (our Slack client gives up at 5 s): the request's message is still being posted
    // when the long poll starts.
    slack().setLatency(2500);
    onTestFinished(() => slack().setLatency(0));
    const slow = await requestCall(100);
    expect(slow.slack).toEqual({ delivered: false, channel: null });
    const poll = callTool(assistant, 'check_access_request', { requestId: slow.requestId, waitSeconds: 25 });
    expect((await check(slow.requestId)).slack.delivered).toBe(false);

    const message = await slack().waitForMessage(requestMessage(slow.requestId), 60_000, {
      includeExisting: true,
    });
    await expect
      .poll(async () => (await check(slow.requestId)).slack.delivered, { timeout: 30_000 })
      .toBe(true);
    slack().setLatency(0);
    const click = await slack().click({
      as: 'U0BOB',
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
    });
    expect(click.status).toBe(200);
    const result = (await poll).structuredContent!;
    expect(result.status).toBe('approved');
    // The poll saw "not delivered" when it started; its answer says where the message is now (the posted notice
    // told it, so the answer after the click reads nothing back).
    expect(result.slack).toEqual({ delivered: true, channel: 'C0APPROVALS' });
  }, 120_000);
});

describe('Slack down, then rate limiting', () => {
  it('answers at once, delivers when Slack is back, and keeps every message right within the limits', async () => {
    slack().outage('*', { status: 500 });
    const down = await requestCall(0);
    // The answer does not wait for Slack's retries (minutes of backoff); 10 s still holds on a 4x slower machine.
    expect(down.answeredInMs).toBeLessThan(10_000);
    expect(down.approvalUrl).toMatch(/\/approve\?token=/);
    expect(down.slack).toEqual({ delivered: false, channel: null });
    expect(down.text).toMatch(/on its way/);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(requestMessages(down.requestId)).toHaveLength(0);
    expect((await check(down.requestId)).slack.delivered).toBe(false);

    // Back, but rate limited: two posts and two updates every 2 s, answered with 429 and Retry-After.
    slack().outage('*', null);
    slack().limit('chat.postMessage', { perWindow: 2, windowSeconds: 2 });
    slack().limit('chat.update', { perWindow: 2, windowSeconds: 2 });
    const more = [];
    for (let n = 1; n <= 4; n++) more.push(await requestCall(n));
    const all = [down, ...more];

    const posted = await Promise.all(
      all.map((g) => slack().waitForMessage(requestMessage(g.requestId), 90_000, { includeExisting: true })),
    );
    await expect
      .poll(async () => (await check(down.requestId)).slack.delivered, { timeout: 30_000 })
      .toBe(true);

    // Decide them all while the limits hold: approve the odd ones, deny the even ones.
    for (const [i, message] of posted.entries()) {
      const result = await slack().click({
        as: 'U0BOB',
        channel: message.channel,
        ts: message.ts,
        actionId: i % 2 === 0 ? 'cs_approve' : 'cs_deny',
      });
      expect(result.status).toBe(200);
    }
    for (const [i, g] of all.entries()) {
      const want = i % 2 === 0 ? /approved/i : /denied/i;
      await expect
        .poll(() => requestMessages(g.requestId).map((m) => m.text), { timeout: 90_000, interval: 200 })
        .toEqual([expect.stringMatching(want)]);
    }
    expect(
      slack()
        .calls()
        .some((c) => c.status === 429),
    ).toBe(true);
    expect(slack().retryAfterViolations()).toEqual([]);
  }, 300_000);
});
