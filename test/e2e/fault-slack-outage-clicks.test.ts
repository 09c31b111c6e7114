// Fault: Slack's Web API is down while approvers click. Every click counts: once Slack answers again each
// decision is applied, its message re-rendered, the requester told, the audit written, and every clicker told.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { auditTypesOf } from '../support/audit.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { CAROL, type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
let assistant: Client;
let redis: Redis;

beforeAll(async () => {
  env = await startEnvironment(
    { SELF_APPROVE: 'read', REMINDER_AT: '0', REQUESTS_PER_MINUTE: '100' },
    { slack: 'http' },
  );
  redis = testRedis();
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_outage_clicks' }),
  );
}, 40_000);
afterAll(async () => {
  await assistant?.close();
  redis?.disconnect();
  await env?.stop();
});

const slack = () => env.slack!;
const BOB = 'U0BOB';
const MALLORY = 'U0MALLORY';
const APPROVALS = 'C0APPROVALS';
/** Long enough for every retry in play to have failed a few times. */
const OUTAGE_MS = 12_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One exact Linear mutation: a write, so it waits in the approvals channel (never superseded by another). */
async function pendingGrant(n: number): Promise<string> {
  const result = await callTool(assistant, 'request_elevated_access', {
    kind: 'call',
    method: 'POST',
    url: `${env.demo.linearUrl}/graphql`,
    body: { query: `mutation { issueArchive(id: "outage-${n}") { success } }` },
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent!.requestId as string;
}

const approveButtonOf = (grantId: string) => (m: SlackMessage) =>
  m.channel === APPROVALS &&
  m.blocks.some((b) =>
    (b.elements ?? []).some(
      (e: { action_id?: string; value?: string }) => e.action_id === 'cs_approve' && e.value === grantId,
    ),
  );

const statusOf = async (grantId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId: grantId })).structuredContent!
    .status as string;
const current = (m: SlackMessage) =>
  slack()
    .messages(APPROVALS)
    .find((x) => x.ts === m.ts)!;
const hasButtons = (m: SlackMessage) => JSON.stringify(m.blocks).includes('"cs_approve"');
const outcomeDms = () =>
  slack()
    .dmOf('U0ALICE')
    .filter((m) => /\b(approved|denied)\b/.test(m.text)).length;
const noticesOf = (user: string, pattern: RegExp) =>
  slack()
    .ephemerals(user)
    .filter((e) => pattern.test(e.text));

describe('Slack Web API down during clicks', () => {
  it('applies all of them once Slack is back, re-renders, DMs, audits and tells every clicker', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) ids.push(await pendingGrant(n));
    const messages = await Promise.all(
      ids.map((id) => slack().waitForMessage(approveButtonOf(id), 30_000, { includeExisting: true })),
    );
    const [warmUp, refusedOne, ...decided] = ids;
    const messageOf = (grantId: string) => messages[ids.indexOf(grantId)]!;

    // Bob decides once while Slack is up: his profile is in the cache. Carol and Mallory have never clicked.
    await slack().click({ as: BOB, channel: APPROVALS, ts: messageOf(warmUp!).ts, actionId: 'cs_approve' });
    await expect.poll(() => statusOf(warmUp!), { timeout: 30_000 }).toBe('approved');
    await expect.poll(outcomeDms, { timeout: 30_000 }).toBe(1);

    // Bob takes the even ones, Carol the odd ones; each approves three and denies two.
    const plan = decided.map((grantId, i) => ({
      grantId,
      as: i % 2 === 0 ? BOB : CAROL.id,
      approve: Math.floor(i / 2) < 3,
    }));
    const statusFor = (p: (typeof plan)[number]) => (p.approve ? 'approved' : 'denied');

    slack().outage('*', { status: 500 });
    const down = Date.now();
    try {
      for (const p of plan) {
        const clicked = await slack().click({
          as: p.as,
          channel: APPROVALS,
          ts: messageOf(p.grantId).ts,
          actionId: p.approve ? 'cs_approve' : 'cs_deny',
        });
        expect(clicked.status).toBe(200);
      }
      // Mallory is no approver: refused, and told so once her profile can be read.
      const mallory = await slack().click({
        as: MALLORY,
        channel: APPROVALS,
        ts: messageOf(refusedOne!).ts,
        actionId: 'cs_approve',
      });
      expect(mallory.status).toBe(200);

      // Bob's lookups come from the cache: his decisions need no Slack at all.
      for (const p of plan.filter((x) => x.as === BOB)) {
        await expect.poll(() => statusOf(p.grantId), { timeout: 20_000 }).toBe(statusFor(p));
      }
      // Carol's profile cannot be read: her clicks wait, recorded, and she hears so (response_url is not the Web API).
      await expect.poll(() => noticesOf(CAROL.id, /is recorded/).length, { timeout: 20_000 }).toBe(5);
      for (const p of plan.filter((x) => x.as === CAROL.id))
        expect(await statusOf(p.grantId)).toBe('pending');
      // Nothing reached Slack's Web API meanwhile: the messages still show their buttons.
      for (const p of plan) expect(hasButtons(current(messageOf(p.grantId)))).toBe(true);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
    } finally {
      slack().outage('*', null);
    }

    for (const p of plan) {
      await expect.poll(() => statusOf(p.grantId), { timeout: 60_000 }).toBe(statusFor(p));
    }
    for (const p of plan) {
      const pattern = p.approve ? /approved/i : /denied/i;
      await expect
        .poll(
          () => {
            const m = current(messageOf(p.grantId));
            return pattern.test(m.text) && !hasButtons(m);
          },
          { timeout: 60_000 },
        )
        .toBe(true);
      expect(current(messageOf(p.grantId)).text).not.toMatch(p.approve ? /denied/i : /approved/i);
    }
    // One outcome DM per decision, no more.
    await expect.poll(outcomeDms, { timeout: 60_000 }).toBe(1 + plan.length);
    for (const p of plan) {
      expect(await auditTypesOf(redis, env.prefix, p.grantId)).toContain(`grant.${statusFor(p)}`);
    }
    // Each of Carol's clicks: applied, and she is told so; Mallory is told she may not decide.
    await expect.poll(() => noticesOf(CAROL.id, /Done: you approved/).length, { timeout: 60_000 }).toBe(3);
    await expect.poll(() => noticesOf(CAROL.id, /Done: you denied/).length, { timeout: 60_000 }).toBe(2);
    await expect
      .poll(() => noticesOf(MALLORY, /can't decide this request/).length, { timeout: 60_000 })
      .toBe(1);
    expect(await statusOf(refusedOne!)).toBe('pending');
    expect(await auditTypesOf(redis, env.prefix, refusedOne!)).toContain('grant.decision_refused');
    // Bob's clicks were applied when he made them: the re-rendered message is his answer, he gets no notice.
    expect(noticesOf(BOB, /./)).toEqual([]);
    for (const p of plan.filter((x) => x.as === BOB)) {
      expect(
        current(messageOf(p.grantId))
          .blocks.map((b) => JSON.stringify(b))
          .join(''),
      ).toContain('U0BOB');
    }
  }, 240_000);
});
