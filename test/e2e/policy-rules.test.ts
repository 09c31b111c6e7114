// End to end under a POLICY_FILE: auto-decisions, requireReason, 2-of-2 with narrowing, the pending cap,
// the web page under the same rules, and live reload of a good and of a bad file while requests are pending.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/connections.js';
import { ALICE, BOB, CAROL, MALLORY } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';
import { clickApprove, messageOf, nextNotice, shown } from '../support/slack-requests.js';
import { hiddenField, pageText, WebBrowser } from '../support/web-browser.js';

const POLICY = (snowflakeApprovals: number) => `version: 1
rules:
  - id: alice-linear-read
    match: { providers: [linear], level: read, requester: { emails: [alice@sandbox.test] } }
    decision: approve
  - id: no-notion-write
    match: { providers: [notion], level: write }
    decision: deny
  - id: snowflake-write-data-team
    match: { providers: [snowflake], level: write }
    approvals: ${snowflakeApprovals}
    approvers: { slackGroups: [S0DATATEAM], emails: [bob@sandbox.test, carol@sandbox.test] }
    requireReason: true
    channel: C0APPROVALS
  - id: calls-capped
    match: { kind: call }
    approvers: { slackGroups: [S0APPROVERS] }
    limits: { maxPending: 2 }
  - id: everything-else
    fallback: true
    selfApprove: read
    approvers: { slackGroups: [S0APPROVERS], emails: [bob@sandbox.test] }
    channel: C0APPROVALS
`;

let env: Environment;
let assistant: Client;
let redis: RedisClient;
const dir = mkdtempSync(join(tmpdir(), 'cs-policy-'));
const policyFile = join(dir, 'policy.yml');
const [ALICE_ID, BOB_ID, CAROL_ID] = ['U0ALICE', 'U0BOB', 'U0CAROL'];

beforeAll(async () => {
  writeFileSync(policyFile, POLICY(2));
  env = await startEnvironment({ POLICY_FILE: policyFile, REQUESTS_PER_MINUTE: '200' }, { slack: 'http' });
  redis = testRedis();
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_policy' }),
    'claude-code',
  );
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  redis?.disconnect();
  await env?.stop();
});

const slack = () => env.slack!;

async function request(args: Record<string, unknown>) {
  const result = await callTool(assistant, 'request_elevated_access', args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent! as Record<string, unknown> & {
    requestId: string;
    status: string;
    approvalUrl: string;
    policy: { rules: string[]; version: string; decidedByRule: string | null; stillNeeded: string | null };
  };
}

const status = async (requestId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId })).structuredContent! as Record<
    string,
    unknown
  > & { status: string; providers: string[]; policy: { approvals: unknown[]; stillNeeded: string | null } };

async function auditEvents(grantId: string) {
  const rows = await redis.xrange(`${env.prefix}audit`, '-', '+');
  return rows
    .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Record<string, unknown>)
    .filter((event) => event.grantId === grantId);
}

/** The text of a message in `channel` matching `pattern`, once one was posted. */
async function noticeIn(channel: string, pattern: RegExp): Promise<string> {
  const message = await slack().waitForMessage((m) => m.channel === channel && pattern.test(m.text), 30_000, {
    includeExisting: true,
  });
  return message.text;
}

describe('rules that decide at once', () => {
  it('auto-approves alice’s Linear read, audited with the rule as actor, and she can revoke it', async () => {
    const granted = await request({ kind: 'session', level: 'read', providers: ['linear'] });
    expect(granted.status).toBe('approved');
    expect(granted.policy.decidedByRule).toBe('alice-linear-read');
    const events = await auditEvents(granted.requestId);
    expect(events.map((e) => e.type)).toEqual(['grant.requested', 'grant.approved']);
    expect(events[1]!.actor).toMatchObject({ type: 'system', id: 'rule:alice-linear-read' });
    expect(events[1]!.rules).toEqual(['alice-linear-read']);
    // The requester's DM has the message, with Revoke and the rule in its footer.
    const dm = await slack().waitForMessage(
      (m) => m.channel === slack().channelFor(ALICE_ID) && shown(m).includes(granted.requestId),
      30_000,
      { includeExisting: true },
    );
    expect(shown(dm)).toContain('cs_revoke');
    expect(shown(dm)).toContain('alice-linear-read');
    await callTool(assistant, 'release_access');
  }, 120_000);

  it('auto-denies a Notion write by rule', async () => {
    const denied = await request({ kind: 'session', level: 'write', providers: ['notion'] });
    expect(denied.status).toBe('denied');
    expect(denied.policy.decidedByRule).toBe('no-notion-write');
    const events = await auditEvents(denied.requestId);
    expect(events.at(-1)).toMatchObject({ type: 'grant.denied', actor: { id: 'rule:no-notion-write' } });
  }, 120_000);

  it('refuses a Snowflake write without a reason, naming the rule', async () => {
    const result = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['snowflake'],
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/reason_required.*snowflake-write-data-team/s);
  }, 120_000);
});

describe('N-of-M approvals', () => {
  it('2-of-2: the first approver narrows, the same person cannot count twice, the second completes', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake', 'linear'],
      reason: 'Fix the revenue table',
    });
    expect(asked.status).toBe('pending');
    expect(asked.policy.rules).toEqual(['snowflake-write-data-team', 'everything-else']);
    const message = await messageOf(slack(), asked.requestId);
    expect(message.channel).toBe('C0APPROVALS');

    expect((await clickApprove(slack(), BOB_ID, message, { cs_providers: ['snowflake'] })).status).toBe(200);
    await expect.poll(async () => (await status(asked.requestId)).policy.approvals.length).toBe(1);
    const half = await status(asked.requestId);
    expect(half.status).toBe('pending');
    expect(half.policy.stillNeeded).toMatch(/1 more approval from @S0DATATEAM.* for snowflake/);
    await slack().waitForMessage(
      (m) => m.ts === message.ts && /Still needs.*subteam\^S0DATATEAM.*snowflake/.test(shown(m)),
      30_000,
      { includeExisting: true },
    );

    const bobSeen = slack().ephemerals(BOB_ID).length;
    await clickApprove(slack(), BOB_ID, message, { cs_providers: ['snowflake'] });
    expect(await nextNotice(slack(), BOB_ID, /already approved/, bobSeen)).toBeTruthy();
    const aliceSeen = slack().ephemerals(ALICE_ID).length;
    await clickApprove(slack(), ALICE_ID, message);
    expect(await nextNotice(slack(), ALICE_ID, /cannot approve your own/, aliceSeen)).toBeTruthy();
    expect((await status(asked.requestId)).policy.approvals).toHaveLength(1);

    await clickApprove(slack(), CAROL_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
    const done = await status(asked.requestId);
    expect(done.providers).toEqual(['snowflake']);
    expect(done.policy.approvals).toHaveLength(2);
    const events = await auditEvents(asked.requestId);
    // Bob's second click and Alice's click are audited as refused; neither changed anything.
    expect(events.map((e) => e.type)).toEqual([
      'grant.requested',
      'grant.approval_recorded',
      'grant.decision_refused',
      'grant.decision_refused',
      'grant.approved',
    ]);
    expect(events[2]).toMatchObject({ actor: { id: BOB_ID } });
    expect(events[2]!.detail).toMatch(/already approved/);
    await callTool(assistant, 'release_access');
  }, 120_000);

  it('a deny after one approval ends the request', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake'],
      reason: 'Backfill',
    });
    const message = await messageOf(slack(), asked.requestId);
    await clickApprove(slack(), BOB_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).policy.approvals.length).toBe(1);
    await slack().click({ as: CAROL_ID, channel: message.channel, ts: message.ts, actionId: 'cs_deny' });
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('denied');
  }, 120_000);

  it('the web page counts under the same rules: strangers refused, two data-team approvals needed', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake'],
      reason: 'Web approvals',
    });
    const approveOnWeb = async (email: string) => {
      const browser = new WebBrowser(env.server.url);
      await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(email)}`);
      const form = await browser.visit(asked.approvalUrl);
      if (form.status >= 400) return form;
      return browser.post('/approve', {
        token: hiddenField(form.body, 'token'),
        csrf: hiddenField(form.body, 'csrf'),
        decision: 'approve',
        providers: ['snowflake'],
      });
    };
    expect((await approveOnWeb(MALLORY.email)).status).toBe(403);
    const first = await approveOnWeb(BOB.email);
    expect(first.status).toBe(200);
    expect(pageText(first.body)).toMatch(/still needs 1 more approval/i);
    expect((await status(asked.requestId)).status).toBe('pending');
    // Bob again: refused on the page and audited, and it does not count.
    const twice = await approveOnWeb(BOB.email);
    expect(twice.status).toBe(400);
    expect(pageText(twice.body)).toMatch(/already approved/i);
    await expect
      .poll(async () => (await auditEvents(asked.requestId)).at(-1))
      .toMatchObject({ type: 'grant.decision_refused', detail: expect.stringMatching(/already approved/) });
    const second = await approveOnWeb(CAROL.email);
    expect(second.status).toBe(200);
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('limits', () => {
  it('refuses a third pending one-call request with a clear error', async () => {
    const call = () =>
      callTool(assistant, 'request_elevated_access', {
        kind: 'call',
        method: 'POST',
        url: `${env.demo.linearUrl}/graphql`,
        body: { query: '{ viewer { id } }' },
      });
    for (let i = 0; i < 2; i++) expect((await call()).isError).toBeFalsy();
    const third = await call();
    expect(third.isError).toBe(true);
    expect(textOf(third)).toMatch(/too_many_pending.*at most 2/s);
  }, 120_000);
});

describe('live reload', () => {
  it('a good file applies to a pending request at the next click; a bad one is refused and the last good stays', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake'],
      reason: 'Reload test',
    });
    expect(asked.status).toBe('pending');
    // Another session of Alice's probes the version, so the pending request above is not superseded.
    const probe = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_policy_probe' }),
      'probe',
    );
    const versionNow = async () => {
      const result = await callTool(probe, 'request_elevated_access', {
        kind: 'session',
        level: 'read',
        providers: ['linear'],
      });
      return (result.structuredContent as { policy: { version: string } }).policy.version;
    };
    try {
      writeFileSync(policyFile, POLICY(1));
      await expect.poll(versionNow, { timeout: 30_000, interval: 500 }).not.toBe(asked.policy.version);
      // One approval is enough under the policy in force now, though two were needed when it was asked.
      const message = await messageOf(slack(), asked.requestId);
      await clickApprove(slack(), BOB_ID, message);
      await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
      await callTool(assistant, 'release_access');

      const goodVersion = await versionNow();
      const pending = await request({
        kind: 'session',
        level: 'write',
        providers: ['snowflake'],
        reason: 'y',
      });
      // A second instance sees the bad file too: the admins are still told once.
      const other = await env.another();
      writeFileSync(policyFile, 'version: 1\nrules:\n  - id: broken\n    approvals: lots\n');
      for (const server of [env.server, other])
        await expect
          .poll(() => server.output(), { timeout: 30_000, interval: 500 })
          .toMatch(/POLICY_FILE refused/);
      expect(env.server.output()).toMatch(/policy\.yml:4: rules\[0\]\.approvals/);
      expect(await versionNow()).toBe(goodVersion);
      // Carol is the admin (ADMINS); C0GENERAL is the audit channel.
      const refusedDm = await noticeIn(slack().channelFor(CAROL_ID), /POLICY_FILE was refused/);
      expect(refusedDm).toMatch(/policy\.yml:4: rules\[0\]\.approvals/);
      expect(refusedDm).toContain(goodVersion);
      await noticeIn('C0GENERAL', /POLICY_FILE was refused/);
      const pendingMessage = await messageOf(slack(), pending.requestId);
      await clickApprove(slack(), CAROL_ID, pendingMessage);
      await expect.poll(async () => (await status(pending.requestId)).status).toBe('approved');
      await callTool(assistant, 'release_access');

      writeFileSync(policyFile, POLICY(1));
      await noticeIn(slack().channelFor(CAROL_ID), /POLICY_FILE is valid again/);
      await noticeIn('C0GENERAL', /POLICY_FILE is valid again/);
      // Long after both instances saw each change: one of each, in order, in each place.
      for (const channel of [slack().channelFor(CAROL_ID), 'C0GENERAL']) {
        const notices = slack()
          .messages(channel)
          .map((m) => m.text)
          .filter((text) => /POLICY_FILE/.test(text));
        expect(notices, channel).toHaveLength(2);
        expect(notices[0]).toMatch(/was refused/);
        expect(notices[1]).toMatch(/valid again/);
      }
    } finally {
      await probe.close();
    }
  }, 120_000);
});
