// End to end over Slack's HTTP mode: the real server, the MCP SDK client and signed clicks from the Slack stand-in.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/connections.js';
import { ALICE, BOB } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { auditTypesOf } from '../support/audit.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { CAROL, type Environment, startEnvironment } from '../support/server-process.js';
import { nextNotice } from '../support/slack-requests.js';
import { hiddenField, pageText, WebBrowser } from '../support/web-browser.js';

let env: Environment;
let assistant: Client;
let redis: RedisClient;
const SID = 'session_e2e_slack';

beforeAll(async () => {
  env = await startEnvironment({ SELF_APPROVE: 'read' }, { slack: 'http' });
  redis = testRedis();
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: SID }),
    'claude-code',
  );
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  redis?.disconnect();
  await env?.stop();
});

const slack = () => env.slack!;
const ALICE_ID = 'U0ALICE';
const BOB_ID = 'U0BOB';
const MALLORY_ID = 'U0MALLORY';

async function request(args: Record<string, unknown>) {
  const result = await callTool(assistant, 'request_elevated_access', args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent!;
}

/** The request message for a grant (the one whose Approve button names it), once the job has posted it. */
function messageOf(grantId: string): Promise<SlackMessage> {
  const approves = (m: SlackMessage) =>
    m.blocks.some((b) =>
      (b.elements ?? []).some(
        (e: { action_id?: string; value?: string }) => e.action_id === 'cs_approve' && e.value === grantId,
      ),
    );
  return slack().waitForMessage(approves, 30_000, { includeExisting: true });
}

/** The same message after it has been re-rendered into a state where `done` holds. */
function messageUpdated(first: SlackMessage, done: (m: SlackMessage) => boolean): Promise<SlackMessage> {
  return slack().waitForMessage((m) => m.channel === first.channel && m.ts === first.ts && done(m), 30_000, {
    includeExisting: true,
  });
}

const actionIds = (m: SlackMessage): string[] =>
  m.blocks.flatMap((b) => [
    ...(b.elements ?? []).map((e: { action_id?: string }) => e.action_id),
    ...(b.accessory?.action_id ? [b.accessory.action_id] : []),
    ...(b.element?.action_id ? [b.element.action_id] : []),
  ]);
/** Ephemeral notices a person has seen so far, and a wait for the next one matching a pattern. */
function notices(user: string) {
  const seen = slack().ephemerals(user).length;
  return {
    next: (pattern: RegExp): Promise<string> => nextNotice(slack(), user, pattern, seen),
    count: () => slack().ephemerals(user).length - seen,
  };
}

const hasButtons = (m: SlackMessage) => actionIds(m).includes('cs_approve');
const shown = (m: SlackMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;

async function grantStatus(requestId: string) {
  return (await callTool(assistant, 'check_access_request', { requestId })).structuredContent!;
}

const auditTypes = (grantId: string) => auditTypesOf(redis, env.prefix, grantId);

function clickApprove(
  as: string,
  message: SlackMessage,
  state: Record<string, string | string[] | null> = {},
) {
  return slack().click({ as, channel: message.channel, ts: message.ts, actionId: 'cs_approve', state });
}

describe('approving in Slack', () => {
  it('goes from request to a narrowed approval with instructions, and the message shows it', async () => {
    const requested = await request({
      kind: 'session',
      level: 'write',
      providers: ['linear', 'notion'],
      durationMinutes: 10,
      reason: 'Triage the sprint board',
    });
    expect(requested.status).toBe('pending');
    const message = await messageOf(requested.requestId);
    expect(message.channel).toBe('C0APPROVALS');
    expect(hasButtons(message)).toBe(true);
    expect(shown(message)).toContain('Triage the sprint board');
    expect(shown(message)).toContain('Claude Code');
    expect(shown(message)).toContain(`<@${ALICE_ID}>`);

    const waiting = callTool(assistant, 'check_access_request', {
      requestId: requested.requestId,
      waitSeconds: 20,
    });
    const click = await clickApprove(BOB_ID, message, {
      cs_providers: ['linear'],
      cs_notes: 'Only the INFRA board, please',
    });
    expect(click.status).toBe(200);
    expect(click.ackMs).toBeLessThan(3000);

    const decided = (await waiting).structuredContent!;
    expect(decided.status, env.server.output()).toBe('approved');
    expect(decided.providers).toEqual(['linear']);
    expect(decided.level).toBe('write');
    expect(decided.instructions).toBe('Only the INFRA board, please');
    expect(decided.decidedBy).toBe(BOB.email);

    const updated = await messageUpdated(message, (m) => !hasButtons(m));
    expect(updated.text).toMatch(/approved/i);
    expect(shown(updated)).toContain(`<@${BOB_ID}>`);
    expect(actionIds(updated)).not.toContain('cs_notes');
    expect(shown(updated)).toContain('Only the INFRA board, please');
    expect(shown(updated)).toMatch(/Granted\* \*write\* on Linear for 10 minutes/);

    // Someone else decided: the requester hears the outcome in a DM; the audit channel has a line.
    const dm = await slack().waitForMessage((m) => m.channel === slack().channelFor(ALICE_ID), 30_000, {
      includeExisting: true,
    });
    expect(dm.text).toMatch(/approved/i);
    await slack().waitForMessage((m) => m.channel === 'C0GENERAL' && /approved/i.test(m.text), 30_000, {
      includeExisting: true,
    });

    const call = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: '{ viewer { id } }' },
    });
    expect(call.isError, textOf(call)).toBeFalsy();
    const notion = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.notionUrl}/v1/search`,
      body: {},
    });
    expect(notion.isError).toBe(true);

    // The consent page shows the decision made in Slack.
    const browser = new WebBrowser(env.server.url);
    await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(BOB.email)}`);
    const page = await browser.visit(requested.approvalUrl);
    expect(pageText(page.body)).toMatch(/approved/i);
    expect(page.body).not.toContain('name="csrf"');

    await callTool(assistant, 'release_access');
    await messageUpdated(message, (m) => /released/i.test(shown(m)));
  }, 120_000);

  it('denies with the approver’s reason carried back to the assistant', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['notion'] });
    const message = await messageOf(requested.requestId);
    const click = await slack().click({
      as: CAROL.id,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_deny',
      state: { cs_notes: 'Not during the freeze' },
    });
    expect(click.status).toBe(200);
    await expect.poll(async () => (await grantStatus(requested.requestId)).status).toBe('denied');
    expect((await grantStatus(requested.requestId)).statusReason).toBe('Not during the freeze');
    const updated = await messageUpdated(message, (m) => !hasButtons(m));
    expect(updated.text).toMatch(/denied/i);
  }, 120_000);

  it('approving on the web updates the Slack message', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const browser = new WebBrowser(env.server.url);
    await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(BOB.email)}`);
    const form = await browser.visit(requested.approvalUrl);
    const result = await browser.post('/approve', {
      token: hiddenField(form.body, 'token'),
      csrf: hiddenField(form.body, 'csrf'),
      decision: 'approve',
      providers: ['linear'],
    });
    expect(result.status).toBeLessThan(400);
    const updated = await messageUpdated(message, (m) => !hasButtons(m));
    expect(updated.text).toMatch(/approved/i);
    expect(shown(updated)).toContain(BOB.email);
    await callTool(assistant, 'release_access');
  }, 120_000);

  it('sends reads the requester may approve to their DM, where they approve them', async () => {
    const requested = await request({ kind: 'session', level: 'read', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    expect(message.channel).toBe(slack().channelFor(ALICE_ID));
    expect((await clickApprove(ALICE_ID, message)).status).toBe(200);
    await expect.poll(async () => (await grantStatus(requested.requestId)).status).toBe('approved');
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('who may decide', () => {
  it('two approvers at once: one decision wins, the other is told who won', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const bobNotices = notices(BOB_ID);
    const carolNotices = notices(CAROL.id);
    const [approve, deny] = await Promise.all([
      clickApprove(BOB_ID, message),
      slack().click({ as: CAROL.id, channel: message.channel, ts: message.ts, actionId: 'cs_deny' }),
    ]);
    expect([approve.status, deny.status]).toEqual([200, 200]);
    await expect.poll(async () => (await grantStatus(requested.requestId)).status).not.toBe('pending');
    const final = await grantStatus(requested.requestId);
    const loser = final.status === 'approved' ? carolNotices : bobNotices;
    await loser.next(final.status === 'approved' ? /already approved by/i : /already denied by/i);
    const history = (await auditTypes(requested.requestId)).filter((t) => /approved|denied/.test(t));
    expect(history).toHaveLength(1);
    if (final.status === 'approved') await callTool(assistant, 'release_access');
  }, 120_000);

  it('refuses someone who is not an approver, and the request stays pending', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const malloryNotices = notices(MALLORY_ID);
    expect((await clickApprove(MALLORY_ID, message)).status).toBe(200);
    await malloryNotices.next(/can't decide/i);
    expect((await grantStatus(requested.requestId)).status).toBe('pending');
    await expect.poll(() => auditTypes(requested.requestId)).toContain('grant.decision_refused');
  }, 120_000);

  it('the requester cannot approve their own write when SELF_APPROVE=read', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    expect(message.channel).toBe('C0APPROVALS');
    const aliceNotices = notices(ALICE_ID);
    await clickApprove(ALICE_ID, message);
    expect(await aliceNotices.next(/can't decide/i)).toMatch(/own|yourself|read/i);
    expect((await grantStatus(requested.requestId)).status).toBe('pending');
  }, 120_000);
});

describe('forged and tampered clicks change nothing', () => {
  /** A genuine click payload (sent with a wrong signature, so it changed nothing), to be edited into a forgery. */
  async function genuinePayload(as: string, message: SlackMessage): Promise<any> {
    const probe = await slack().click({
      as,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
      signingSecret: 'wrong-secret',
    });
    expect(probe.status).toBe(401);
    return structuredClone(probe.payload);
  }

  it('refuses a click from another workspace', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const forged = await genuinePayload(BOB_ID, message);
    forged.user = { ...forged.user, team_id: 'T0EVIL' };
    forged.team = { id: 'T0EVIL', domain: 'evil' };
    const bobNotices = notices(BOB_ID);
    expect((await slack().deliver('interactive', forged)).status).toBe(200);
    await bobNotices.next(/another workspace/);
    expect((await grantStatus(requested.requestId)).status).toBe('pending');
  }, 120_000);

  it('refuses a button pointed at another grant', async () => {
    const target = await request({
      kind: 'call',
      method: 'POST',
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: 'mutation { issueDelete(id: "1") { success } }' },
    });
    const decoy = await request({ kind: 'session', level: 'write', providers: ['notion'] });
    const decoyMessage = await messageOf(decoy.requestId);
    await messageOf(target.requestId);
    const bobNotices = notices(BOB_ID);
    await slack().click({
      as: BOB_ID,
      channel: decoyMessage.channel,
      ts: decoyMessage.ts,
      actionId: 'cs_approve',
      value: target.requestId,
    });
    await bobNotices.next(/does not belong/);
    expect((await grantStatus(target.requestId)).status).toBe('pending');
    expect((await grantStatus(decoy.requestId)).status).toBe('pending');
  }, 120_000);

  it('refuses a provider that was never asked for, and a level above the one asked for', async () => {
    // A read request the requester may approve herself, in her DM: she tries to widen it.
    const requested = await request({ kind: 'session', level: 'read', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const aliceNotices = notices(ALICE_ID);

    const widened = await genuinePayload(ALICE_ID, message);
    const values = widened.state.values as Record<string, Record<string, any>>;
    const providers = Object.values(values).find((block) => block.cs_providers)!.cs_providers;
    providers.selected_options.push({ text: { type: 'plain_text', text: 'Snowflake' }, value: 'snowflake' });
    await slack().deliver('interactive', widened);
    await aliceNotices.next(/snowflake/i);

    const upgraded = await genuinePayload(ALICE_ID, message);
    upgraded.state.values.cs_level_forged = {
      cs_level: {
        type: 'radio_buttons',
        selected_option: { value: 'write', text: { type: 'plain_text', text: 'Write' } },
      },
    };
    await slack().deliver('interactive', upgraded);
    await expect.poll(() => aliceNotices.count()).toBe(2);

    const status = await grantStatus(requested.requestId);
    expect(status.status).toBe('pending');
    expect(status.level).toBe('read');
    expect(status.providers).toEqual(['linear']);
    await expect
      .poll(
        async () =>
          (await auditTypes(requested.requestId)).filter((t) => t === 'grant.decision_refused').length,
      )
      .toBe(2);
  }, 120_000);

  it('answers 401 to a bad signature or a six-minute-old timestamp, and changes nothing', async () => {
    const requested = await request({ kind: 'session', level: 'write', providers: ['linear'] });
    const message = await messageOf(requested.requestId);
    const bobNotices = notices(BOB_ID);
    const badSignature = await slack().click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
      signingSecret: 'not-the-secret',
    });
    expect(badSignature.status).toBe(401);
    const stale = await slack().click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
      timestamp: Math.floor(Date.now() / 1000) - 360,
    });
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await grantStatus(requested.requestId)).status).toBe('pending');
    expect(bobNotices.count()).toBe(0);
    expect(await auditTypes(requested.requestId)).toEqual(['grant.requested']);
  }, 120_000);
});
