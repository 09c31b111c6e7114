// End to end, the people who run Countersign: revoke from the message, App Home and /countersign; extend within
// the maximum; App Home by role; the audit channel's thread per grant. Alice requests, Bob approves (group),
// Carol approves and is the admin, Mallory is a stranger.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { CAROL, type Environment, startEnvironment } from '../support/server-process.js';

const MAX_MS = 30 * 60_000;
let env: Environment;
let assistant: Client;
let redis: RedisClient;
let bearer: string;

beforeAll(async () => {
  env = await startEnvironment(
    { SELF_APPROVE: 'read', MAX_ACCESS_DURATION: '30m', DEFAULT_ACCESS_DURATION: '5m', REMINDER_AT: '0' },
    { slack: 'http' },
  );
  bearer = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_admin' });
  assistant = await connectClient(env.server.url, bearer, 'claude-code');
  redis = testRedis();
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await assistant?.close();
  await env?.stop();
});

const slack = () => env.slack!;
const [ALICE_ID, BOB_ID, MALLORY_ID] = ['U0ALICE', 'U0BOB', 'U0MALLORY'];
const shown = (m: SlackMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;
const hasAction = (m: SlackMessage, id: string) => JSON.stringify(m.blocks).includes(`"action_id":"${id}"`);

/** Alice's write access to Linear, approved by Bob in #access-approvals; its message, now showing approved. */
async function approvedAccess() {
  const requested = await callTool(assistant, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
  });
  const { requestId } = requested.structuredContent!;
  const pending = await slack().waitForMessage(
    (m) => hasAction(m, 'cs_approve') && shown(m).includes(requestId),
    30_000,
    {
      includeExisting: true,
    },
  );
  await slack().click({ as: BOB_ID, channel: pending.channel, ts: pending.ts, actionId: 'cs_approve' });
  const message = await current(pending, (m) => hasAction(m, 'cs_revoke'));
  return { requestId: requestId as string, message };
}

/** A /countersign as typed, acked in time; its answer, which comes by response_url after the ack. */
async function ask(as: string, text: string): Promise<string> {
  const seen = slack().ephemerals(as).length;
  const result = await slack().slashCommand({ as, text });
  expect(result.late).toBeFalsy();
  await expect.poll(() => slack().ephemerals(as).length, { timeout: 15_000 }).toBeGreaterThan(seen);
  return slack()
    .ephemerals(as)
    .slice(seen)
    .map((e) => e.text)
    .join('\n');
}

function current(message: SlackMessage, done: (m: SlackMessage) => boolean) {
  return slack().waitForMessage(
    (m) => m.ts === message.ts && m.channel === message.channel && done(m),
    30_000,
    {
      includeExisting: true,
    },
  );
}

const status = async (requestId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId })).structuredContent!;

const callLinear = () =>
  callTool(assistant, 'call_integration_api', {
    url: `${env.demo.linearUrl}/graphql`,
    body: { query: '{ viewer { id } }' },
  });

async function endsAccess(requestId: string, message: SlackMessage) {
  await expect.poll(async () => (await status(requestId)).status).toBe('revoked');
  const refused = await callLinear();
  expect(refused.isError, textOf(refused)).toBe(true);
  const revoked = await current(message, (m) => /revoked/i.test(m.text));
  expect(hasAction(revoked, 'cs_revoke')).toBe(false);
}

function notices(user: string) {
  const seen = slack().ephemerals(user).length;
  return (pattern: RegExp) =>
    expect
      .poll(
        () =>
          slack()
            .ephemerals(user)
            .slice(seen)
            .map((e) => e.text)
            .find((t) => pattern.test(t)),
        {
          timeout: 30_000,
        },
      )
      .toBeDefined();
}

async function homeText(user: string, contains?: string) {
  let text = '';
  await expect
    .poll(async () => {
      await slack().appHomeOpened(user);
      text = JSON.stringify(slack().homeOf(user)?.blocks ?? []);
      return contains === undefined || text.includes(contains);
    })
    .toBe(true);
  return text;
}

describe('revoke ends access at once, from every surface', () => {
  it('from the message, by the requester herself', async () => {
    const { requestId, message } = await approvedAccess();
    expect((await callLinear()).isError).toBeFalsy();
    await slack().click({ as: ALICE_ID, channel: message.channel, ts: message.ts, actionId: 'cs_revoke' });
    await endsAccess(requestId, message);
  }, 120_000);

  it('from App Home, by the admin', async () => {
    const { requestId, message } = await approvedAccess();
    await homeText(CAROL.id, requestId);
    await slack().clickHome({ as: CAROL.id, actionId: 'cs_revoke', value: requestId });
    await endsAccess(requestId, message);
  }, 120_000);

  it('with /countersign revoke, by an approver', async () => {
    const { requestId, message } = await approvedAccess();
    expect(await ask(BOB_ID, `revoke ${requestId}`)).toMatch(/Revoked/);
    await endsAccess(requestId, message);
  }, 120_000);

  it('not by a stranger, from the message or the command', async () => {
    const { requestId, message } = await approvedAccess();
    const told = notices(MALLORY_ID);
    await slack().click({ as: MALLORY_ID, channel: message.channel, ts: message.ts, actionId: 'cs_revoke' });
    await told(/Only the requester, an approver or an admin/);
    expect(await ask(MALLORY_ID, `revoke ${requestId}`)).toMatch(
      /Only the requester, an approver or an admin/,
    );
    expect((await status(requestId)).status).toBe('approved');
    expect((await callLinear()).isError).toBeFalsy();
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('extend', () => {
  it('adds time in steps up to the maximum and never past it; only approvers may', async () => {
    const { requestId, message } = await approvedAccess();
    const before = await status(requestId);

    const told = notices(ALICE_ID);
    const option = (m: SlackMessage, index: number) =>
      JSON.parse(JSON.stringify(m.blocks))
        .flatMap((b: any) => b.elements ?? [])
        .find((e: any) => e.action_id === 'cs_extend').options[index].value as string;
    await slack().click({
      as: ALICE_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_extend',
      value: option(message, 0),
    });
    await told(/Only an approver or an admin can extend/);
    expect((await status(requestId)).expiresAt).toBe(before.expiresAt);

    const bobsClick = await slack().click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_extend',
      value: option(message, 0),
    });
    await expect
      .poll(async () => (await status(requestId)).expiresAt)
      .toBe(new Date(Date.parse(before.expiresAt) + 5 * 60_000).toISOString());
    // Bob's click replayed as a new click (its action_ts changed, so it is not deduplicated as the same one),
    // as a captured request or a view from before the re-render would send it: its option names an end
    // already reached, so nothing is added.
    const extendedOnce = (await status(requestId)).expiresAt;
    const toldAgain = notices(BOB_ID);
    const replayed = structuredClone(bobsClick.payload) as any;
    replayed.actions[0].action_ts = `${Math.floor(Date.now() / 1000) + 1}.000001`;
    await slack().deliver('interactive', replayed);
    await toldAgain(/nothing was added/);
    expect((await status(requestId)).expiresAt).toBe(extendedOnce);
    // The last option runs to the maximum; after it, the message offers no more time.
    const extended = await current(message, (m) => m.edits >= 2 && hasAction(m, 'cs_extend'));
    const options = JSON.stringify(extended.blocks).match(/"value":"\d+ g_/g) ?? [];
    await slack().click({
      as: CAROL.id,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_extend',
      value: option(extended, options.length - 1),
    });
    const atMax = await current(message, (m) => hasAction(m, 'cs_revoke') && !hasAction(m, 'cs_extend'));
    const final = await status(requestId);
    const approvedAt = Date.parse(before.expiresAt) - 5 * 60_000;
    expect(Date.parse(final.expiresAt)).toBe(approvedAt + MAX_MS);
    expect(shown(atMax)).toContain('30 minutes');

    // A forged click for more time past the maximum changes nothing.
    const stale = await slack().click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_revoke',
      signingSecret: 'x',
    });
    const forged = structuredClone(stale.payload) as any;
    forged.actions = [
      {
        ...forged.actions[0],
        type: 'static_select',
        action_id: 'cs_extend',
        selected_option: {
          value: `${60 * 60_000} ${requestId}`,
          text: { type: 'plain_text', text: '+1 hour' },
        },
      },
    ];
    const toldBob = notices(BOB_ID);
    await slack().deliver('interactive', forged);
    await toldBob(/maximum/);
    expect((await status(requestId)).expiresAt).toBe(final.expiresAt);
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('App Home by role', () => {
  it('shows the requester her own access, approvers what waits, and the admin everything and the audit', async () => {
    const { requestId } = await approvedAccess();
    const other = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_admin_2' }),
    );
    const waiting = await callTool(other, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['notion'],
    });
    const waitingId = waiting.structuredContent!.requestId as string;

    const alice = await homeText(ALICE_ID, requestId);
    expect(alice).toContain('End now');
    expect(alice).not.toContain('All active access');
    expect(alice).not.toContain('Waiting for your decision');

    const bob = await homeText(BOB_ID, waitingId);
    expect(bob).toContain('Waiting for your decision');
    expect(bob).toContain('Approve as asked');
    expect(bob).not.toContain(requestId);
    expect(bob).not.toContain('All active access');

    const carol = await homeText(CAROL.id, requestId);
    expect(carol).toContain('All active access');
    expect(carol).toContain('Latest audit events');
    expect(carol).toContain('grant.approved');

    const mallory = await homeText(MALLORY_ID);
    expect(mallory).not.toContain(requestId);
    expect(mallory).not.toContain(waitingId);
    await other.close();
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('the audit channel', () => {
  it('keeps one thread per grant with every lifecycle event in order, refused clicks included', async () => {
    const { requestId, message } = await approvedAccess();
    expect((await callLinear()).isError).toBeFalsy();
    // The token the provider saw: the one WorkOS issued for Alice's connection.
    const pipesToken = env.demo.calls().at(-1)!.headers.authorization!.slice('Bearer '.length);
    expect(env.workos.issuedProviderTokens(pipesToken)).not.toBeNull();
    const told = notices(MALLORY_ID);
    await slack().click({ as: MALLORY_ID, channel: message.channel, ts: message.ts, actionId: 'cs_revoke' });
    await told(/Only the requester/);
    const option = JSON.parse(JSON.stringify(message.blocks))
      .flatMap((b: any) => b.elements ?? [])
      .find((e: any) => e.action_id === 'cs_extend').options[0].value;
    const approvedUntil = (await status(requestId)).expiresAt;
    await slack().click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_extend',
      value: option,
    });
    // Each event is in the stream before the next click, so their order is the order of the clicks.
    await expect.poll(async () => (await status(requestId)).expiresAt).not.toBe(approvedUntil);
    await slack().click({ as: CAROL.id, channel: message.channel, ts: message.ts, actionId: 'cs_revoke' });

    const thread = () => {
      const all = slack()
        .messages('C0GENERAL')
        .filter((m) => JSON.stringify(m.blocks).includes(requestId));
      const parent = all.find((m) => !m.thread_ts);
      return parent ? [parent, ...all.filter((m) => m.thread_ts === parent.ts)] : [];
    };
    const events = () => thread().map((m) => /\*(\w+)\*/.exec(JSON.stringify(m.blocks))?.[1]);
    await expect
      .poll(events, { timeout: 30_000 })
      .toEqual(['requested', 'approved', 'refused', 'extended', 'revoked']);
    expect(JSON.stringify(thread()[1]!.blocks)).toContain('open message');
    // No secret reaches Slack: not the assistant's bearer token, not the Pipes token it called with.
    const everything = JSON.stringify(['C0GENERAL', 'C0APPROVALS'].map((c) => slack().messages(c)));
    for (const secret of [bearer, bearer.split('.')[2]!, pipesToken])
      expect(everything).not.toContain(secret);
    // The stream ties the Slack decision to the session, the message and both of the approver's ids.
    const rows = await redis.xrange(`${env.prefix}audit`, '-', '+');
    const approved = rows
      .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!))
      .find((e) => e.type === 'grant.approved' && e.grantId === requestId);
    expect(approved).toMatchObject({
      sid: 'session_e2e_admin',
      userEmail: ALICE.email,
      slack: { channel: message.channel, ts: message.ts },
      actor: { id: BOB_ID, slackUserId: BOB_ID, via: 'slack' },
    });
  }, 120_000);
});

describe('/countersign', () => {
  it('answers help, unknown input, list by role, and audit for admins only', async () => {
    const help = await ask(BOB_ID, 'help');
    expect(help).toMatch(/approver/);
    expect(help).not.toMatch(/audit/);
    expect(await ask(BOB_ID, 'frobnicate')).toMatch(/I don’t know `frobnicate`/);

    const { requestId } = await approvedAccess();
    expect(await ask(ALICE_ID, 'list')).toContain(requestId);
    expect(await ask(MALLORY_ID, 'list')).not.toContain(requestId);
    expect(await ask(BOB_ID, 'audit')).toMatch(/Only admins/);
    // Typed as a person types it: with should_escape on, Slack sends <@U0BOB|bob>.
    const audit = await ask(CAROL.id, 'audit @bob 1h');
    expect(audit).toContain('grant.approved');
    expect(audit).toContain(requestId);
    // The same command signed for another workspace of the app: refused, nothing read out.
    const seen = slack().ephemerals(CAROL.id).length;
    const sent = await slack().slashCommand({ as: CAROL.id, text: 'audit', signingSecret: 'not-ours' });
    const forged = { ...(sent.payload as Record<string, string>), team_id: 'T0OTHER', team_domain: 'other' };
    const answered = await slack().deliver('slash_commands', forged);
    expect(answered.status).toBe(200);
    await expect
      .poll(
        () =>
          slack()
            .ephemerals(CAROL.id)
            .slice(seen)
            .map((e) => e.text)
            .join('\n'),
        { timeout: 20_000 },
      )
      .toMatch(/belongs to another workspace/);
    expect(
      slack()
        .ephemerals(CAROL.id)
        .slice(seen)
        .map((e) => e.text)
        .join('\n'),
    ).not.toContain(requestId);
    await callTool(assistant, 'release_access');
  }, 120_000);
});
