// Specification of the posted notices on real Redis: recording a grant's message tells whoever watches that grant
// where it went, once, and nobody else; a watch knows whether it can have missed a notice.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageRefs, postedChannel } from '../../../src/slack/message-refs.js';
import { PostedNotices } from '../../../src/slack/posted-notices.js';
import { deleteKeys, testRedis } from '../../support/redis.js';

const prefix = `cs-test-${randomUUID()}:`;
const redis = testRedis();
const subscriberName = `posted-notices-${randomUUID()}`;
const subscriber = testRedis({ connectionName: subscriberName });
const refs = new MessageRefs(redis, prefix, 60_000);
const notices = new PostedNotices(subscriber, postedChannel(prefix));

afterAll(async () => {
  await notices.close();
  await deleteKeys([`${prefix}*`]);
  subscriber.disconnect();
  await redis.quit();
});

/** Resolves once the notices' subscription is in place (a watch started before then says it may miss one). */
async function subscribed(): Promise<void> {
  notices.watch('g_subscribe').stop();
  await expect
    .poll(async () => (await redis.pubsub('NUMSUB', postedChannel(prefix)))[1], { timeout: 10_000 })
    .toBe(1);
}

/** The address of this test's own connection named `name` (killing it leaves other tests' connections be). */
async function addressOf(name: string): Promise<string> {
  const list = String(await redis.client('LIST'));
  const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
  const addr = line?.match(/ addr=(\S+)/)?.[1];
  if (!addr) throw new Error(`no connection named ${name}`);
  return addr;
}

describe('PostedNotices', () => {
  it('tells the grant’s watches where its message was recorded, once, and no other watch', async () => {
    await subscribed();
    const first = notices.watch('g_1');
    const second = notices.watch('g_1');
    const other = notices.watch('g_2');
    const sentinel = notices.watch('g_sentinel');

    expect(await refs.claim('g_1', { channel: 'C0APPROVALS', ts: '1.000100' })).toBe(true);
    // Already recorded: the second claim changes nothing, and says nothing.
    expect(await refs.claim('g_1', { channel: 'D0ALICE', ts: '2.000200' })).toBe(false);
    // Notices arrive in the order they were published: once the sentinel's is heard, every earlier one was.
    expect(await refs.claim('g_sentinel', { channel: 'C0LAST', ts: '3.000300' })).toBe(true);
    await expect.poll(() => sentinel.channel, { timeout: 10_000 }).toBe('C0LAST');

    expect(first.channel).toBe('C0APPROVALS');
    expect(second.channel).toBe('C0APPROVALS');
    expect(other.channel).toBeNull();
    // Started on a live subscription, none dropped since: not having heard means nothing was posted.
    expect(other.complete()).toBe(true);
    for (const watch of [first, second, other, sentinel]) watch.stop();
  });

  it('hears nothing once stopped; the grant’s other watches still hear', async () => {
    await subscribed();
    const stopped = notices.watch('g_5');
    const kept = notices.watch('g_5');
    stopped.stop();
    await refs.claim('g_5', { channel: 'C0APPROVALS', ts: '5.000500' });
    await expect.poll(() => kept.channel, { timeout: 10_000 }).toBe('C0APPROVALS');
    expect(stopped.channel).toBeNull();
    kept.stop();
  });

  it('is not complete across a dropped connection, and complete again once subscribed anew', async () => {
    await subscribed();
    const before = notices.watch('g_7');
    expect(before.complete()).toBe(true);
    // The connection drops (a notice published meanwhile is lost) and ioredis reconnects on its own.
    await redis.client('KILL', 'ADDR', await addressOf(subscriberName));
    await expect.poll(() => before.complete(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => notices.watch('g_8').complete(), { timeout: 10_000 }).toBe(true);
    // Subscribed again: notices are heard as before.
    const after = notices.watch('g_9');
    await refs.claim('g_9', { channel: 'C0APPROVALS', ts: '9.000900' });
    await expect.poll(() => after.channel, { timeout: 10_000 }).toBe('C0APPROVALS');
    expect(before.complete()).toBe(false);
  });

  it('leaves the shared subscriber connection to its other users on close', async () => {
    const own = `${prefix}other-channel`;
    const heard: string[] = [];
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === own) heard.push(message);
    });
    await subscriber.subscribe(own);
    await subscribed();
    const watch = notices.watch('g_6');
    await notices.close();
    await refs.claim('g_6', { channel: 'C0APPROVALS', ts: '6.000600' });
    await redis.publish(own, 'still here');
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual(['still here']);
    expect(watch.channel).toBeNull();
    expect((await redis.pubsub('NUMSUB', postedChannel(prefix)))[1]).toBe(0);
    await subscriber.unsubscribe(own);
  });
});
