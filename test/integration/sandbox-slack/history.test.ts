// conversations.history and message metadata in the stand-in, as strict as Slack: conversation ids only,
// exclusive bounds unless `inclusive`, newest first, cursor pages, metadata only on request, scopes checked.
import { ErrorCode, type WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { BOT_TOKEN, SIGNING_SECRET, webClient } from './helpers.js';

let standIn: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
  client = webClient(standIn);
});
afterAll(() => standIn.close());

const platformError = (error: string) => ({ code: ErrorCode.PlatformError, data: { ok: false, error } });
const metadata = (grantId: string) => ({
  event_type: 'countersign_request',
  event_payload: { grant_id: grantId },
});

describe('chat.postMessage metadata', () => {
  it('is stored with the message and refused when malformed', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0GENERAL',
      text: 'm',
      metadata: metadata('g_1'),
    });
    expect(standIn.messages('C0GENERAL').find((m) => m.ts === posted.ts)?.metadata).toEqual(metadata('g_1'));
    await expect(
      client.apiCall('chat.postMessage', { channel: 'C0GENERAL', text: 'x', metadata: '{not json' }),
    ).rejects.toMatchObject(platformError('invalid_metadata_format'));
    await expect(
      client.apiCall('chat.postMessage', {
        channel: 'C0GENERAL',
        text: 'x',
        metadata: { event_type: 'a b' },
      }),
    ).rejects.toMatchObject(platformError('invalid_metadata_schema'));
  });
});

describe('conversations.history', () => {
  it('lists top-level messages newest first, within exclusive bounds, metadata only when asked', async () => {
    const posts = [];
    for (let n = 0; n < 4; n++) {
      posts.push(
        await client.chat.postMessage({
          channel: 'C0APPROVALS',
          text: `p${n}`,
          metadata: metadata(`g_${n}`),
        }),
      );
    }
    await client.chat.postMessage({ channel: 'C0APPROVALS', thread_ts: posts[1]!.ts, text: 'a reply' });
    const [first, second, third, fourth] = posts.map((p) => p.ts!);

    const all = await client.conversations.history({ channel: 'C0APPROVALS', oldest: first });
    expect(all.messages!.map((m) => m.text)).toEqual(['p3', 'p2', 'p1']);
    expect(all.messages!.every((m) => m.metadata === undefined)).toBe(true);

    const inclusive = await client.conversations.history({
      channel: 'C0APPROVALS',
      oldest: first,
      latest: fourth,
      inclusive: true,
      include_all_metadata: true,
    });
    expect(inclusive.messages!.map((m) => m.text)).toEqual(['p3', 'p2', 'p1', 'p0']);
    expect(inclusive.messages![0]!.metadata).toEqual(metadata('g_3'));
    expect(inclusive.messages![0]).toMatchObject({ bot_id: 'B0COUNTERSIGN', ts: fourth });

    const between = await client.conversations.history({
      channel: 'C0APPROVALS',
      oldest: first,
      latest: third,
    });
    expect(between.messages!.map((m) => m.ts)).toEqual([second]);
  });

  it('pages with a cursor until has_more is false', async () => {
    const start = (await client.chat.postMessage({ channel: 'C0GENERAL', text: 'start' })).ts!;
    for (let n = 0; n < 5; n++) await client.chat.postMessage({ channel: 'C0GENERAL', text: `q${n}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.conversations.history({
        channel: 'C0GENERAL',
        oldest: start,
        limit: 2,
        cursor,
      });
      seen.push(...page.messages!.map((m) => m.text!));
      cursor = page.has_more ? page.response_metadata?.next_cursor : undefined;
      if (page.has_more) expect(cursor).toBeTruthy();
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['q4', 'q3', 'q2', 'q1', 'q0']);
  });

  it('refuses what Slack refuses', async () => {
    // A user id or a channel name is not a conversation id here.
    await expect(client.conversations.history({ channel: 'U0BOB' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
    await expect(client.conversations.history({ channel: 'general' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
    await expect(
      client.conversations.history({ channel: 'C0GENERAL', oldest: 'yesterday' }),
    ).rejects.toMatchObject(platformError('invalid_ts_oldest'));
    await expect(
      client.conversations.history({ channel: 'C0GENERAL', cursor: 'bm9wZQ==' }),
    ).rejects.toMatchObject(platformError('invalid_cursor'));
  });

  it('needs the history scope of the conversation’s kind', async () => {
    const narrow = await startSlackStandIn({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      scopes: ['chat:write', 'channels:history'],
    });
    try {
      const c = webClient(narrow);
      await expect(c.conversations.history({ channel: 'C0GENERAL' })).resolves.toMatchObject({ ok: true });
      await expect(c.conversations.history({ channel: narrow.channelFor('U0BOB') })).rejects.toMatchObject({
        data: {
          ok: false,
          error: 'missing_scope',
          needed: 'im:history',
          provided: 'chat:write,channels:history',
        },
      });
      await expect(c.users.info({ user: 'U0BOB' })).rejects.toMatchObject({
        data: { error: 'missing_scope', needed: 'users:read' },
      });
    } finally {
      await narrow.close();
    }
  });
});

describe('holdReply', () => {
  it('carries out the call but holds its answer until released', async () => {
    const held = standIn.holdReply('chat.postMessage', (args) => args.text === 'held');
    let answered = false;
    // Its own channel: the tests above used up #general's burst (chat.postMessage is paced per channel).
    const call = client.chat.postMessage({ channel: 'C0APPROVALS', text: 'held' }).then((r) => {
      answered = true;
      return r;
    });
    await held.arrived;
    expect(standIn.messages('C0APPROVALS').some((m) => m.text === 'held')).toBe(true);
    // Other calls are not held.
    await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'not held' });
    expect(answered).toBe(false);
    held.release();
    expect((await call).ok).toBe(true);
  });
});
