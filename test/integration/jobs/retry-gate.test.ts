// Slack's Retry-After shared through Redis, per method (per method and channel for chat.postMessage and
// chat.update): a 429 seen by one instance stops every instance's calls through that gate until the window has
// passed, one call per gate is on the wire fleet-wide (so a 429 can never overtake a call already sent), and a
// racing shorter Retry-After never shortens the window.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import webapi from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { GatedWebClient } from '../../../src/slack/gated-web-client.js';
import { gateName, SlackRetryGate } from '../../../src/slack/retry-gate.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const PREFIX = `cs-it-gate-${randomBytes(6).toString('hex')}:`;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let standIn: SlackStandIn;
const connections: Redis[] = [];
const connect = () => {
  // Auto-pipelined, as the server's connection is (the scripts must work on it).
  const redis = testRedis({ enableAutoPipelining: true });
  connections.push(redis);
  return redis;
};

/** One "instance": its own Redis connection, gate and client, sharing the gate's keys with the others. */
function instance(base: string, apiUrl = standIn.apiUrl) {
  const gate = new SlackRetryGate(connect(), base);
  const client = new GatedWebClient(
    BOT_TOKEN,
    { slackApiUrl: apiUrl, logLevel: webapi.LogLevel.ERROR },
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

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: randomBytes(16).toString('hex') });
});

afterAll(async () => {
  await standIn.close();
  await deleteKeys([`${PREFIX}*`]);
  await Promise.all(connections.map((c) => c.quit()));
});

describe('GatedWebClient with a shared Retry-After window', () => {
  const base = `${PREFIX}slack:retry-until`;
  let first: ReturnType<typeof instance>;
  let second: ReturnType<typeof instance>;

  beforeAll(() => {
    first = instance(base);
    second = instance(base);
  });

  it('a 429 with Retry-After 2 throws RetryLater(2000) and opens the method’s window in Redis', async () => {
    await expect(first.client.auth.test()).resolves.toMatchObject({ ok: true });
    standIn.rateLimit('auth.test', { retryAfterSeconds: 2, times: 1 });

    const error = await retryLater(first.client.auth.test());
    expect(error.delayMs).toBe(2000);
    expect(standIn.calls('auth.test').map((c) => c.status)).toEqual([200, 429]);
    const wait = await first.gate.waitMs('auth.test');
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(2000);
  });

  it('another instance inside the window gets RetryLater for that method, and Slack sees no request', async () => {
    const error = await retryLater(second.client.auth.test());
    expect(error.delayMs).toBeGreaterThan(0);
    expect(error.delayMs).toBeLessThanOrEqual(2000);
    await retryLater(first.client.auth.test());
    expect(standIn.calls('auth.test')).toHaveLength(2);
    // Slack limits each method on its own: other methods still go out.
    await expect(second.client.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
  });

  it('after the window has passed, the call goes through, within Slack’s Retry-After', async () => {
    await expect.poll(() => second.gate.waitMs('auth.test'), { timeout: 15_000 }).toBe(0);
    await expect(second.client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(standIn.calls('auth.test').map((c) => c.status)).toEqual([200, 429, 200]);
    expect(standIn.retryAfterViolations()).toEqual([]);
  });
});

describe('chat.update and chat.postMessage are gated per channel', () => {
  it('a 429 for one channel holds back that channel only, on every instance', async () => {
    const base = `${PREFIX}per-channel`;
    const first = instance(base);
    const second = instance(base);
    const general = (await first.client.chat.postMessage({ channel: 'C0GENERAL', text: 'g' })).ts!;
    const approvals = (await first.client.chat.postMessage({ channel: 'C0APPROVALS', text: 'a' })).ts!;
    const before = standIn.calls('chat.update').length;
    standIn.rateLimit('chat.update', { retryAfterSeconds: 30, times: 1 });

    const error = await retryLater(
      first.client.chat.update({ channel: 'C0GENERAL', ts: general, text: '1' }),
    );
    expect(error.delayMs).toBe(30_000);
    // Another channel goes out at once, from either instance.
    await expect(
      second.client.chat.update({ channel: 'C0APPROVALS', ts: approvals, text: '2' }),
    ).resolves.toMatchObject({ ok: true });
    await expect(first.client.chat.postMessage({ channel: 'C0APPROVALS', text: '3' })).resolves.toMatchObject(
      { ok: true },
    );
    // The same channel still waits, on every instance, and Slack sees no request.
    const again = await retryLater(
      second.client.chat.update({ channel: 'C0GENERAL', ts: general, text: '4' }),
    );
    expect(again.delayMs).toBeGreaterThan(20_000);
    expect(
      standIn
        .calls('chat.update')
        .slice(before)
        .map((c) => [c.args.channel, c.status]),
    ).toEqual([
      ['C0GENERAL', 429],
      ['C0APPROVALS', 200],
    ]);
    expect(await second.gate.waitMs(gateName('chat.update', { channel: 'C0GENERAL' }))).toBeGreaterThan(
      20_000,
    );
    expect(await second.gate.waitMs(gateName('chat.update', { channel: 'C0APPROVALS' }))).toBe(0);
    expect(await second.gate.waitMs('chat.update')).toBe(0);
    expect(standIn.retryAfterViolations()).toEqual([]);
  });

  it('other methods keep one gate per method, whatever their arguments', () => {
    expect(gateName('chat.update', { channel: 'C0GENERAL', ts: '1.1' })).toBe('chat.update:C0GENERAL');
    expect(gateName('chat.postMessage', { channel: 'U0BOB' })).toBe('chat.postMessage:U0BOB');
    expect(gateName('chat.postEphemeral', { channel: 'C0GENERAL' })).toBe('chat.postEphemeral');
    expect(gateName('views.publish', { user_id: 'U0BOB' })).toBe('views.publish');
    // No channel, or not a Slack id (it would be part of a Redis hash tag): the method's own gate.
    expect(gateName('chat.update', {})).toBe('chat.update');
    expect(gateName('chat.update', { channel: 'x}{y' })).toBe('chat.update');
  });
});

describe('SlackRetryGate', () => {
  it('hold only extends the window: a shorter one after a longer one changes nothing', async () => {
    const gate = new SlackRetryGate(connect(), `${PREFIX}hold`);
    await gate.hold('chat.update', 30_000);
    await gate.hold('chat.update', 1000);
    expect(await gate.waitMs('chat.update')).toBeGreaterThan(20_000);
    expect(await gate.waitMs('chat.postMessage')).toBe(0);
  });

  it('reserves one call of a method at a time, fleet-wide, until it is released', async () => {
    const a = new SlackRetryGate(connect(), `${PREFIX}slot`);
    const b = new SlackRetryGate(connect(), `${PREFIX}slot`);
    const held = await a.reserve('chat.update', 60_000);
    expect(held.kind).toBe('go');
    expect(await b.reserve('chat.update', 60_000)).toMatchObject({ kind: 'busy' });
    expect(await b.reserve('chat.postMessage', 60_000)).toMatchObject({ kind: 'go' });
    // A stale token frees nothing.
    await b.release('chat.update', 'not-mine');
    expect(await b.reserve('chat.update', 60_000)).toMatchObject({ kind: 'busy' });
    // Released with a 429: the window is open before the slot frees, so the next caller sees the window.
    await a.release('chat.update', held.kind === 'go' ? held.token : '', 5000);
    expect(await b.reserve('chat.update', 60_000)).toMatchObject({ kind: 'window' });
  });

  it('a crashed holder’s slot frees itself when its lease ends', async () => {
    const gate = new SlackRetryGate(connect(), `${PREFIX}lease`);
    expect((await gate.reserve('chat.update', 200)).kind).toBe('go');
    expect((await gate.reserve('chat.update', 200)).kind).toBe('busy');
    await expect
      .poll(async () => (await gate.reserve('chat.update', 200)).kind, { timeout: 15_000 })
      .toBe('go');
  });
});

describe('two instances racing into a 429', () => {
  let slow: Server;
  const arrivals: string[] = [];
  const held: Array<(status: number) => void> = [];

  beforeAll(async () => {
    // A Slack that holds each answer until the test lets it go, so a call can be kept on the wire.
    slow = createServer((req: IncomingMessage, res: ServerResponse) => {
      arrivals.push(req.url ?? '');
      held.push((status) => {
        const limited = status === 429;
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(limited ? { 'retry-after': '3' } : {}),
        });
        res.end(JSON.stringify(limited ? { ok: false, error: 'ratelimited' } : { ok: true, ts: '1.1' }));
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  it('the second call waits while the first is on the wire, then sees the window its 429 opened', async () => {
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/api/`;
    const a = instance(`${PREFIX}race`, url);
    const b = instance(`${PREFIX}race`, url);
    const first = a.client.chat.update({ channel: 'C1', ts: '1.1', text: 'a' });
    await expect.poll(() => arrivals.length, { timeout: 15_000 }).toBe(1);
    const second = b.client.chat.update({ channel: 'C1', ts: '1.1', text: 'b' });
    // The second call is held back by the slot, not sent: give it ample time to (wrongly) go out.
    await sleep(300);
    expect(arrivals).toHaveLength(1);
    held.shift()!(429);
    await retryLater(first);
    const error = await retryLater(second);
    expect(error.delayMs).toBeGreaterThan(1000);
    expect(arrivals).toHaveLength(1);
  });

  it('a call on the wire in one channel does not hold back another channel, even in the same process', async () => {
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/api/`;
    const a = instance(`${PREFIX}race-channels`, url);
    const b = instance(`${PREFIX}race-channels`, url);
    arrivals.length = 0;
    const first = a.client.chat.update({ channel: 'C1', ts: '1.1', text: 'a' });
    await expect.poll(() => arrivals.length, { timeout: 15_000 }).toBe(1);
    const sameProcess = a.client.chat.update({ channel: 'C2', ts: '1.1', text: 'b' });
    const otherInstance = b.client.chat.update({ channel: 'C3', ts: '1.1', text: 'c' });
    await expect.poll(() => arrivals.length, { timeout: 15_000 }).toBe(3);
    for (let i = 0; i < 3; i++) held.shift()!(200);
    await expect(Promise.all([first, sameProcess, otherInstance])).resolves.toHaveLength(3);
  });
});

describe('a 429 storm with two instances', () => {
  it('makes no call inside a Retry-After window, and every call goes through in the end', async () => {
    const base = `${PREFIX}storm`;
    const workers = [instance(base), instance(base)];
    standIn.limit('chat.postMessage', { perWindow: 3, windowSeconds: 1 });
    const done: string[] = [];
    // Each instance runs two callers, as a worker runs several jobs; RetryLater is waited out as the queue would.
    const caller = async (worker: (typeof workers)[number], name: string, count: number) => {
      for (let n = 0; n < count; ) {
        try {
          await worker.client.chat.postMessage({ channel: 'C0GENERAL', text: `${name}-${n}` });
          done.push(`${name}-${n}`);
          n++;
        } catch (error) {
          if (!(error instanceof RetryLater)) throw error;
          await sleep(error.delayMs);
        }
      }
    };
    await Promise.all([
      caller(workers[0]!, 'a1', 6),
      caller(workers[0]!, 'a2', 6),
      caller(workers[1]!, 'b1', 6),
      caller(workers[1]!, 'b2', 6),
    ]);
    standIn.limit('chat.postMessage', null);
    expect(done).toHaveLength(24);
    expect(standIn.calls('chat.postMessage').filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(standIn.retryAfterViolations('chat.postMessage')).toEqual([]);
  }, 120_000);
});
