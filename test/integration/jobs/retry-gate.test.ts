// Slack's Retry-After shared through Redis: a 429 seen by one instance stops every instance's calls until the
// window has passed, without a request reaching Slack (the stand-in), and a racing shorter Retry-After never
// shortens the window.
import { randomBytes } from 'node:crypto';
import webapi from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { GatedWebClient, SlackRetryGate } from '../../../src/slack/retry-gate.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const PREFIX = `cs-it-jobs-${randomBytes(6).toString('hex')}:`;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let standIn: SlackStandIn;
const connections: Redis[] = [];
const connect = () => {
  const redis = testRedis();
  connections.push(redis);
  return redis;
};
const redis = connect();

/** One "instance": its own Redis connection, gate and client, sharing the window key with the others. */
function instance(key: string) {
  const gate = new SlackRetryGate(connect(), key);
  const client = new GatedWebClient(
    BOT_TOKEN,
    { slackApiUrl: standIn.apiUrl, logLevel: webapi.LogLevel.ERROR },
    gate,
  );
  return { gate, client };
}

/** The rejection of `call`, which must be a RetryLater. */
async function retryLater(call: Promise<unknown>): Promise<RetryLater> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RetryLater);
  return error as RetryLater;
}

const windowEnd = async (key: string) => Number(await redis.get(key));

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: randomBytes(16).toString('hex') });
});

afterAll(async () => {
  await standIn.close();
  await deleteKeys([`${PREFIX}*`]);
  await Promise.all(connections.map((c) => c.quit()));
});

describe('GatedWebClient with a shared Retry-After window', () => {
  const key = `${PREFIX}slack:retry-until`;
  let first: ReturnType<typeof instance>;
  let second: ReturnType<typeof instance>;
  let opened = 0;

  beforeAll(() => {
    first = instance(key);
    second = instance(key);
  });

  it('a 429 with Retry-After 2 throws RetryLater(2000) and opens the window in Redis', async () => {
    await expect(first.client.auth.test()).resolves.toMatchObject({ ok: true });
    standIn.rateLimit('auth.test', { retryAfterSeconds: 2, times: 1 });

    const before = Date.now();
    const error = await retryLater(first.client.auth.test());
    const after = Date.now();
    expect(error.delayMs).toBe(2000);
    expect(standIn.calls('auth.test').map((c) => c.status)).toEqual([200, 429]);

    opened = await windowEnd(key);
    expect(opened).toBeGreaterThanOrEqual(before + 2000);
    expect(opened).toBeLessThanOrEqual(after + 2000);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(2000);
  });

  it('another instance inside the window gets RetryLater for the time left, and Slack sees no request', async () => {
    const before = Date.now();
    const error = await retryLater(second.client.auth.test());
    const after = Date.now();
    expect(error.delayMs).toBeGreaterThan(0);
    expect(error.delayMs).toBeLessThanOrEqual(opened - before);
    expect(error.delayMs).toBeGreaterThanOrEqual(opened - after);
    // Any method: the window is Slack's answer to the app, not to one method.
    await retryLater(second.client.chat.postMessage({ channel: 'C0GENERAL', text: 'hi' }));
    await retryLater(first.client.auth.test());

    expect(standIn.calls('auth.test')).toHaveLength(2);
    expect(standIn.calls('chat.postMessage')).toHaveLength(0);
  });

  it('after the window has passed, the call goes through, within Slack’s Retry-After', async () => {
    await sleep(opened - Date.now() + 30);
    expect(await second.gate.waitMs()).toBe(0);
    await expect(second.client.auth.test()).resolves.toMatchObject({ ok: true });

    expect(standIn.calls('auth.test').map((c) => c.status)).toEqual([200, 429, 200]);
    expect(standIn.retryAfterViolations('auth.test')).toEqual([]);
  });
});

describe('SlackRetryGate.hold only extends the window', () => {
  it('a shorter hold after a longer one leaves the end and the expiry where they were', async () => {
    const key = `${PREFIX}slack:hold-order`;
    const gate = new SlackRetryGate(connect(), key);
    await gate.hold(3000);
    const end = await windowEnd(key);
    await gate.hold(1000);
    expect(await windowEnd(key)).toBe(end);
    expect(await redis.pttl(key)).toBeGreaterThan(2000);
    expect(await gate.waitMs()).toBeGreaterThan(2000);

    // A longer one does move it.
    await gate.hold(5000);
    expect(await windowEnd(key)).toBeGreaterThanOrEqual(end + 1900);
    expect(await redis.pttl(key)).toBeGreaterThan(4000);
  });

  it('two instances racing into different 429s: the window ends at the longer Retry-After', async () => {
    const key = `${PREFIX}slack:race`;
    const a = instance(key);
    const b = instance(key);
    standIn.rateLimit('users.info', { retryAfterSeconds: 3, times: 1 });
    standIn.rateLimit('usergroups.users.list', { retryAfterSeconds: 1, times: 1 });

    const before = Date.now();
    const [long, short] = await Promise.all([
      retryLater(a.client.users.info({ user: 'U0BOB' })),
      retryLater(b.client.usergroups.users.list({ usergroup: 'S0APPROVERS' })),
    ]);
    expect(long.delayMs).toBe(3000);
    expect(short.delayMs).toBe(1000);
    expect(standIn.calls('users.info')).toHaveLength(1);
    expect(standIn.calls('usergroups.users.list')).toHaveLength(1);
    expect(await windowEnd(key)).toBeGreaterThanOrEqual(before + 3000);

    // Past the short Retry-After, still closed: nothing reaches Slack.
    await sleep(before + 1300 - Date.now());
    const wait = await retryLater(b.client.usergroups.users.list({ usergroup: 'S0APPROVERS' }));
    expect(wait.delayMs).toBeGreaterThan(1000);
    expect(standIn.calls('usergroups.users.list')).toHaveLength(1);
  });
});
