// The stand-in refuses where Slack refuses on a fresh install: the bot invited nowhere, archived channels,
// granted scopes in x-oauth-scopes, slash-command text escaped as the manifest says, and a slow Web API.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { ErrorCode } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { manifestFacts } from '../../../src/sandbox/slack/manifest.js';
import { BOT_TOKEN, SIGNING_SECRET, startBoltReceiver, webClient } from './helpers.js';

const platformError = (error: string) => ({ code: ErrorCode.PlatformError, data: { ok: false, error } });
let standIn: SlackStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('a fresh install', () => {
  it('refuses posts where the bot was not invited, until it is', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, botIn: [] });
    const client = webClient(standIn);
    await expect(client.chat.postMessage({ channel: 'C0APPROVALS', text: 'hi' })).rejects.toMatchObject(
      platformError('not_in_channel'),
    );
    const info = await client.conversations.info({ channel: 'C0APPROVALS' });
    expect(info.channel).toMatchObject({ id: 'C0APPROVALS', is_member: false, is_archived: false });
    // A DM needs no invitation.
    await expect(client.chat.postMessage({ channel: 'U0BOB', text: 'hi' })).resolves.toMatchObject({
      ok: true,
    });

    standIn.inviteBot('C0APPROVALS');
    const posted = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'hi' });
    expect((await client.conversations.info({ channel: 'C0APPROVALS' })).channel?.is_member).toBe(true);

    standIn.archive('C0APPROVALS');
    await expect(
      client.chat.update({ channel: 'C0APPROVALS', ts: posted.ts!, text: 'edit' }),
    ).rejects.toMatchObject(platformError('is_archived'));
    expect((await client.conversations.info({ channel: 'C0APPROVALS' })).channel?.is_archived).toBe(true);
    await expect(client.conversations.info({ channel: 'C0NOPE' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
  });

  it('serves the inbox only under a loopback Host name (no DNS rebinding)', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
    const { port } = new URL(standIn.url);
    const post = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${standIn!.url}/sandbox/slack/invite`,
          { method: 'POST', headers: { host, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ channel: 'C0APPROVALS' }));
      });
    expect(await post(`rebound.evil.test:${port}`)).toBe(403);
    expect(await post(`127.0.0.1:${port}`)).toBe(200);
    expect(await post(`localhost:${port}`)).toBe(200);
  });

  it('invites the bot from the inbox as /invite does', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, botIn: [] });
    const res = await fetch(`${standIn.url}/sandbox/slack/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'access-approvals' }),
    });
    expect(await res.json()).toEqual({ ok: true, channel: 'C0APPROVALS' });
    await expect(
      webClient(standIn).chat.postMessage({ channel: 'C0APPROVALS', text: 'hi' }),
    ).resolves.toMatchObject({ ok: true });
  });

  it('sends the scopes granted in x-oauth-scopes: by default those manifest.yml asks for', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
    const res = await fetch(`${standIn.apiUrl}auth.test`, {
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    const manifest = manifestFacts(readFileSync('manifest.yml', 'utf8'));
    expect(manifest.botScopes).toContain('chat:write');
    expect(res.headers.get('x-oauth-scopes')?.split(',')).toEqual(manifest.botScopes);
  });
});

describe('scopes by kind of conversation', () => {
  it('opens a DM only with im:write and a group DM only with mpim:write', async () => {
    const granted = manifestFacts(readFileSync('manifest.yml', 'utf8')).botScopes;
    standIn = await startSlackStandIn({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      scopes: granted.filter((s) => s !== 'im:write'),
    });
    const client = webClient(standIn);
    await expect(client.conversations.open({ users: 'U0BOB' })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'im:write' },
    });
    await expect(client.conversations.open({ users: 'U0BOB,U0ALICE' })).resolves.toMatchObject({ ok: true });
    await standIn.close();
    standIn = await startSlackStandIn({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      scopes: granted.filter((s) => s !== 'mpim:write'),
    });
    await expect(webClient(standIn).conversations.open({ users: 'U0BOB,U0ALICE' })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'mpim:write' },
    });
  });
});

describe('people without an email', () => {
  it('answers users.info without profile.email, and lookupByEmail never finds them', async () => {
    standIn = await startSlackStandIn({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      people: [{ id: 'U0GUEST', name: 'guest', real_name: 'Gus Guest', is_bot: false, deleted: false }],
    });
    const client = webClient(standIn);
    const info = await client.users.info({ user: 'U0GUEST' });
    expect(info.user?.profile).toBeDefined();
    expect(info.user?.profile).not.toHaveProperty('email');
    await expect(client.users.lookupByEmail({ email: 'undefined' })).rejects.toMatchObject(
      platformError('users_not_found'),
    );
  });
});

describe('the whole-message limit', () => {
  it('refuses blocks whose text passes 12,000 characters in all, each block within its own limit', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
    const section = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(n) } });
    const client = webClient(standIn);
    await expect(
      client.chat.postMessage({
        channel: 'C0APPROVALS',
        text: 'big',
        blocks: [1, 2, 3, 4, 5].map(() => section(2_900)),
      }),
    ).rejects.toMatchObject(platformError('msg_blocks_too_long'));
    const fits = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'fits',
      blocks: [1, 2, 3, 4].map(() => section(2_900)),
    });
    await expect(
      client.chat.update({
        channel: 'C0APPROVALS',
        ts: fits.ts!,
        text: 'grown',
        blocks: [1, 2, 3, 4, 5].map(() => section(2_900)),
      }),
    ).rejects.toMatchObject(platformError('msg_blocks_too_long'));
  });
});

describe('slash commands and latency', () => {
  it('sends typed mentions escaped when the manifest sets should_escape, raw otherwise', async () => {
    const texts: string[] = [];
    for (const shouldEscape of [true, false]) {
      standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, shouldEscape });
      const receiver = await startBoltReceiver(standIn, (app) => {
        app.command('/countersign', async ({ ack, command }) => {
          texts.push(command.text);
          await ack();
        });
      });
      standIn.setEventsUrl(receiver.eventsUrl);
      await standIn.slashCommand({ as: 'U0BOB', text: 'audit @alice #general a<b' });
      await receiver.close();
      await standIn.close();
      standIn = undefined;
    }
    expect(texts).toEqual([
      'audit <@U0ALICE|alice> <#C0GENERAL|general> a&lt;b',
      'audit @alice #general a&lt;b',
    ]);
    expect(manifestFacts(readFileSync('manifest.yml', 'utf8')).shouldEscape).toBe(true);
  });

  it('answers the Web API late when told to, and shows a command acked after 3 s as failed', async () => {
    standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
    const client = webClient(standIn);
    standIn.setLatency(3_200);
    const receiver = await startBoltReceiver(standIn, (app) => {
      app.command('/countersign', async ({ ack }) => {
        await client.users.info({ user: 'U0BOB' });
        await ack('done');
      });
    });
    standIn.setEventsUrl(receiver.eventsUrl);
    try {
      const result = await standIn.slashCommand({ as: 'U0BOB', text: 'list' });
      // Bolt's receiver itself gives up at 3 s; either way Slack saw no answer in time.
      expect(result.ackMs).toBeGreaterThan(3_000);
      expect(result.late).toBe(true);
      const shown = standIn.ephemerals('U0BOB').map((e) => e.text);
      expect(shown).toEqual(['/countersign failed with the error "operation_timeout"']);
    } finally {
      await receiver.close();
    }
  }, 30_000);
});
