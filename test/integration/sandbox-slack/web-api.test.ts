// The stand-in's Web API, driven by the real @slack/web-api WebClient as Countersign drives Slack.
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { approvalBlocks, BOT_TOKEN, SIGNING_SECRET, webClient } from './helpers.js';

let standIn: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
  client = webClient(standIn);
});
afterAll(() => standIn.close());

const platformError = (error: string) => ({ code: ErrorCode.PlatformError, data: { ok: false, error } });

describe('auth and errors', () => {
  it('auth.test names the bot, team and app', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      team_id: 'T0SANDBOX',
      user_id: 'U0COUNTERSIGN',
      bot_id: 'B0COUNTERSIGN',
      app_id: 'A0COUNTERSIGN',
      url: 'https://sandbox.slack.com/',
    });
  });

  it('answers not_authed without a token and invalid_auth with a wrong one (HTTP 200)', async () => {
    await expect(webClient(standIn, null).auth.test()).rejects.toMatchObject(platformError('not_authed'));
    await expect(webClient(standIn, 'xoxb-wrong').auth.test()).rejects.toMatchObject(
      platformError('invalid_auth'),
    );
  });

  it('accepts JSON bodies too, and says unknown_method for methods it lacks', async () => {
    const json = await fetch(`${standIn.apiUrl}users.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ user: 'U0BOB' }),
    });
    expect(await json.json()).toMatchObject({ ok: true, user: { id: 'U0BOB', name: 'bob' } });
    await expect(client.apiCall('reactions.add', {})).rejects.toMatchObject(platformError('unknown_method'));
  });

  it('records every call without the token', async () => {
    await client.auth.test({ token: BOT_TOKEN } as never);
    const calls = standIn.calls('auth.test');
    expect(calls.at(-1)).toMatchObject({ method: 'auth.test', status: 200, ok: true, tokenKind: 'bot' });
    expect(JSON.stringify(standIn.calls())).not.toContain(BOT_TOKEN);
  });
});

describe('chat', () => {
  it('postMessage to a user id lands in the DM, with strictly increasing ts and block ids filled in', async () => {
    const first = await client.chat.postMessage({ channel: 'U0BOB', text: 'one', blocks: approvalBlocks() });
    const second = await client.chat.postMessage({
      channel: 'U0BOB',
      text: 'two',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'no id' } }],
    });
    expect(first).toMatchObject({
      ok: true,
      channel: 'D0BOB',
      message: { bot_id: 'B0COUNTERSIGN', text: 'one' },
    });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(standIn.channelFor('U0BOB')).toBe('D0BOB');
    const stored = standIn.messages('D0BOB').find((m) => m.ts === second.ts)!;
    expect(stored.blocks[0]!.block_id).toMatch(/^\S{1,255}$/);
    expect(standIn.dmOf('U0BOB').map((m) => m.text)).toEqual(expect.arrayContaining(['one', 'two']));
  });

  it('update round trip: the new version replaces the old and the edit is counted', async () => {
    const posted = await client.chat.postMessage({ channel: 'D0ALICE', text: 'pending' });
    const updated = await client.chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: 'approved',
      blocks: [{ type: 'section', block_id: 'done', text: { type: 'mrkdwn', text: '*Approved*' } }],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'D0ALICE', ts: posted.ts, text: 'approved' });
    const stored = standIn.messages('D0ALICE').find((m) => m.ts === posted.ts)!;
    expect(stored).toMatchObject({ text: 'approved', edits: 1, history: [{ text: 'pending' }] });
    expect(stored.blocks).toEqual([
      { type: 'section', block_id: 'done', text: { type: 'mrkdwn', text: '*Approved*' } },
    ]);
  });

  it('update errors: message_not_found, cant_update_message, channel_not_found', async () => {
    await expect(client.chat.update({ channel: 'D0ALICE', ts: '1.000001', text: 'x' })).rejects.toMatchObject(
      platformError('message_not_found'),
    );
    const human = standIn.say({ as: 'U0ALICE', channel: 'C0GENERAL', text: 'hi' });
    await expect(client.chat.update({ channel: 'C0GENERAL', ts: human.ts, text: 'x' })).rejects.toMatchObject(
      platformError('cant_update_message'),
    );
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
  });

  it('postEphemeral returns message_ts and shows only to that person; getPermalink works', async () => {
    const res = await client.chat.postEphemeral({ channel: 'C0GENERAL', user: 'U0BOB', text: 'just you' });
    expect(res).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(standIn.ephemerals('U0BOB').map((e) => e.text)).toContain('just you');
    expect(standIn.ephemerals('U0ALICE').map((e) => e.text)).not.toContain('just you');
    await expect(
      client.chat.postEphemeral({ channel: 'D0BOB', user: 'U0ALICE', text: 'x' }),
    ).rejects.toMatchObject(platformError('user_not_in_channel'));
    const posted = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'link me' });
    const link = await client.chat.getPermalink({ channel: 'C0APPROVALS', message_ts: posted.ts! });
    expect(link.permalink).toBe(
      `https://sandbox.slack.com/archives/C0APPROVALS/p${posted.ts!.replace('.', '')}`,
    );
  });

  it('waitForMessage resolves on the next matching post or update, and times out otherwise', async () => {
    const waiting = standIn.waitForMessage(
      (m, change) => m.text === 'watched' && change === 'posted',
      30_000,
    );
    await client.chat.postMessage({ channel: 'U0MALLORY', text: 'watched' });
    await expect(waiting).resolves.toMatchObject({ channel: 'D0MALLORY', text: 'watched' });
    await expect(standIn.waitForMessage((m) => m.text === 'never', 50)).rejects.toThrow(/within 50 ms/);
  });
});

describe('block validation', () => {
  // WebClient logs each `[ERROR]` line of response_metadata.messages; these failures are the point here.
  const quietClient = () => {
    const quiet = () => undefined;
    const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet, setLevel: quiet, setName: quiet };
    return new WebClient(BOT_TOKEN, {
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
      logger: { ...logger, getLevel: () => LogLevel.ERROR },
    });
  };
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const checkboxes = (options: Array<{ text: string; value: string }>) => ({
    type: 'input',
    label: { type: 'plain_text', text: 'Pick' },
    element: {
      type: 'checkboxes',
      action_id: 'pick',
      options: options.map((o) => ({ text: { type: 'plain_text', text: o.text }, value: o.value })),
    },
  });
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `o${i}`, value: `v${i}` }));
  const button = (actionId: string) => ({
    type: 'actions',
    elements: [{ type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Go' } }],
  });

  it.each([
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), '/blocks'],
    ['a section text over 3000 characters', [section('x'.repeat(3001))], '/blocks/0/text/text'],
    ['more than 10 checkbox options', [checkboxes(many(11))], '/blocks/0/element/options'],
    [
      'an option text over 75 characters',
      [checkboxes([{ text: 'y'.repeat(76), value: 'v' }])],
      '/options/0/text',
    ],
    ['an action_id over 255 characters', [button('a'.repeat(256))], '/blocks/0/elements/0/action_id'],
    [
      'a block_id over 255 characters',
      [{ type: 'divider', block_id: 'b'.repeat(256) }],
      '/blocks/0/block_id',
    ],
  ])('refuses %s with invalid_blocks', async (_name, blocks, pointer) => {
    const error = await quietClient()
      .chat.postMessage({ channel: 'U0BOB', text: 'bad', blocks })
      .catch((e) => e);
    expect(error).toMatchObject(platformError('invalid_blocks'));
    expect(error.data.errors.join('\n')).toContain(pointer);
  });

  it('refuses blocks that are not JSON with invalid_blocks_format', async () => {
    await expect(
      client.apiCall('chat.postMessage', { channel: 'U0BOB', text: 'x', blocks: '[{not json' }),
    ).rejects.toMatchObject(platformError('invalid_blocks_format'));
  });
});

describe('rate limiting', () => {
  it('answers 429 with an integer Retry-After; WebClient waits and the retry succeeds', async () => {
    standIn.rateLimit('chat.update', { retryAfterSeconds: 1, times: 1 });
    const retrying = webClient(standIn, BOT_TOKEN, 1);
    const posted = await retrying.chat.postMessage({ channel: 'U0BOB', text: 'before' });
    const before = standIn.calls('chat.update').length;
    const started = Date.now();
    const res = await retrying.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'after' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(
      standIn
        .calls('chat.update')
        .slice(before)
        .map((c) => [c.status, c.error]),
    ).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
  });

  it('the raw answer carries Retry-After, and rejectRateLimitedCalls surfaces it', async () => {
    standIn.rateLimit('users.info', { retryAfterSeconds: 7, times: 2 });
    const raw = await fetch(`${standIn.apiUrl}users.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=U0BOB',
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });
    const rejecting = new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true });
    await expect(rejecting.users.info({ user: 'U0BOB' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    await expect(client.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
  });
});

describe('people and conversations', () => {
  it('lookupByEmail finds a sandbox person; an unknown address is users_not_found', async () => {
    const res = await client.users.lookupByEmail({ email: 'Bob@Sandbox.test' });
    expect(res.user).toMatchObject({
      id: 'U0BOB',
      name: 'bob',
      real_name: 'Bob Berg',
      is_bot: false,
      deleted: false,
      profile: { email: 'bob@sandbox.test' },
    });
    await expect(client.users.lookupByEmail({ email: 'nobody@sandbox.test' })).rejects.toMatchObject(
      platformError('users_not_found'),
    );
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject(
      platformError('user_not_found'),
    );
  });

  it('conversations.open gives each person a stable D… channel', async () => {
    const alice = await client.conversations.open({ users: 'U0ALICE' });
    const again = await client.conversations.open({ users: 'U0ALICE', return_im: true });
    expect(alice.channel).toEqual({ id: 'D0ALICE' });
    expect(again.channel).toMatchObject({ id: 'D0ALICE', is_im: true, user: 'U0ALICE' });
    expect((await client.conversations.open({ users: 'U0MALLORY' })).channel?.id).toBe('D0MALLORY');
    await expect(client.conversations.open({ users: 'U0NOBODY' })).rejects.toMatchObject(
      platformError('user_not_found'),
    );
  });

  it('usergroups.users.list lists the approvers; an unknown group is no_such_subteam', async () => {
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['U0BOB']);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject(
      platformError('no_such_subteam'),
    );
  });

  it('usergroups.list answers every group with its handle, members only with include_users; needs usergroups:read', async () => {
    const { usergroups } = await client.usergroups.list({});
    expect(usergroups?.map((g) => [g.id, g.handle])).toEqual([
      ['S0APPROVERS', 'approvers'],
      ['S0DATATEAM', 'data-team'],
    ]);
    expect(usergroups?.[0]).toMatchObject({ team_id: 'T0SANDBOX', is_usergroup: true, name: 'approvers' });
    expect(usergroups?.[0]).not.toHaveProperty('users');
    const withUsers = await client.usergroups.list({ include_users: true, include_count: true });
    expect(withUsers.usergroups?.[1]).toMatchObject({ users: ['U0BOB', 'U0CAROL'], user_count: 2 });
    const narrow = await startSlackStandIn({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      scopes: ['chat:write'],
    });
    try {
      await expect(webClient(narrow).usergroups.list({})).rejects.toMatchObject({
        data: { ok: false, error: 'missing_scope', needed: 'usergroups:read' },
      });
    } finally {
      await narrow.close();
    }
  });

  it('views.publish stores the Home view per person and guards with hash', async () => {
    const view = {
      type: 'home' as const,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your grants' } }],
    };
    const res = await client.views.publish({ user_id: 'U0ALICE', view });
    expect(res.view).toMatchObject({ type: 'home', team_id: 'T0SANDBOX', app_id: 'A0COUNTERSIGN' });
    expect(standIn.homeOf('U0ALICE')?.blocks[0]).toMatchObject({ text: { text: 'Your grants' } });
    expect(standIn.homeOf('U0BOB')).toBeNull();
    await expect(client.views.publish({ user_id: 'U0ALICE', view, hash: 'stale' })).rejects.toMatchObject(
      platformError('hash_conflict'),
    );
  });
});
