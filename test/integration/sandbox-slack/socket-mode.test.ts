// Socket Mode: a real Bolt 5.1 app (socket-mode 3.1) connects to the stand-in, receives envelopes and acks them.
import { App, type BlockAction, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { APP_TOKEN, approvalBlocks, BOT_TOKEN, SIGNING_SECRET, webClient } from './helpers.js';

let standIn: SlackStandIn;
let app: App;
const actions: BlockAction[] = [];
const homeOpened: string[] = [];

beforeAll(async () => {
  standIn = await startSlackStandIn({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
  });
  app = new App({
    socketMode: true,
    appToken: APP_TOKEN,
    token: BOT_TOKEN,
    clientOptions: { slackApiUrl: standIn.apiUrl },
    logLevel: LogLevel.ERROR,
  });
  app.action('cs_approve', async ({ ack, body }) => {
    await ack();
    actions.push(body as BlockAction);
  });
  app.command('/countersign', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'over the socket' });
  });
  app.event('app_home_opened', async ({ event }) => {
    homeOpened.push(event.user);
  });
  await app.start();
  await standIn.waitForSocket(30_000);
});
afterAll(async () => {
  await app.stop();
  await standIn.close();
});

describe('Socket Mode', () => {
  it('Bolt opened the link with its app token (auth.test with the bot token first)', () => {
    expect(standIn.calls('apps.connections.open').at(-1)).toMatchObject({ ok: true, tokenKind: 'app' });
    expect(standIn.calls('auth.test').at(-1)).toMatchObject({ ok: true, tokenKind: 'bot' });
    expect(standIn.socketConnections()).toBe(1);
  });

  it('a click goes over the socket as an interactive envelope, and the app acks it', async () => {
    const posted = await webClient(standIn).chat.postMessage({
      channel: 'U0BOB',
      text: 'Access request',
      blocks: approvalBlocks(),
    });
    const result = await standIn.click({
      as: 'U0BOB',
      channel: posted.channel!,
      ts: posted.ts!,
      actionId: 'cs_approve',
      state: { cs_providers: ['notion'] },
    });
    expect(result).toMatchObject({ via: 'socket', status: 200, body: '{}' });
    expect(standIn.socketFrames().at(-1)).toEqual({ envelope_id: expect.any(String), payload: {} });
    expect(actions.at(-1)).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB' },
      actions: [{ action_id: 'cs_approve', value: 'grant_01TEST' }],
    });
    const values = actions.at(-1)!.state!.values;
    expect(values.cs_providers_read_v1!.cs_providers!.selected_options!.map((o) => o.value)).toEqual([
      'notion',
    ]);
    expect(values.cs_providers_write_v1!.cs_providers!.selected_options).toEqual([]);
  });

  it('slash commands carry the reply in the ack; events arrive as events_api', async () => {
    const command = await standIn.slashCommand({ as: 'U0ALICE', text: 'hello' });
    expect(command).toMatchObject({ via: 'socket', status: 200 });
    expect(JSON.parse(command.body)).toMatchObject({ text: 'over the socket' });
    expect(standIn.ephemerals('U0ALICE').at(-1)).toMatchObject({
      text: 'over the socket',
      source: 'slash_command',
    });
    const event = await standIn.appHomeOpened('U0MALLORY');
    expect(event).toMatchObject({ via: 'socket', status: 200 });
    await expect.poll(() => homeOpened).toContain('U0MALLORY');
  });

  it('refuses bot tokens on apps.connections.open and unknown tickets on the link', async () => {
    const res = await webClient(standIn)
      .apiCall('apps.connections.open')
      .catch((e) => e.data);
    expect(res).toMatchObject({ ok: false, error: 'not_allowed_token_type' });
    const ws = new WebSocket(`${standIn.url.replace('http', 'ws')}/link/?ticket=forged`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('after a disconnect frame the client reconnects with a fresh link (about 5 s later)', async () => {
    const opens = standIn.calls('apps.connections.open').length;
    standIn.disconnect('refresh_requested');
    await expect
      .poll(() => standIn.calls('apps.connections.open').length, { timeout: 30_000 })
      .toBeGreaterThan(opens);
    await standIn.waitForSocket(30_000);
    const posted = await webClient(standIn).chat.postMessage({
      channel: 'U0BOB',
      text: 'again',
      blocks: approvalBlocks(),
    });
    const result = await standIn.click({
      as: 'U0BOB',
      channel: posted.channel!,
      ts: posted.ts!,
      actionId: 'cs_approve',
    });
    expect(result).toMatchObject({ via: 'socket', status: 200 });
  }, 120_000);
});
