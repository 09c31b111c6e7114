// A burst of posts into one channel that Slack paces (about one a second) goes out in order, each job deferred at
// most once: the gate queues deferred calls in the channel's line and the worker brings each job back at its turn,
// holding it. Without the line every deferred job woke at the window's end and all but one were deferred again.
import { randomBytes } from 'node:crypto';
import webapi from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantJobs, type JobHandlers } from '../../../src/jobs/grant-jobs.js';
import { JOB } from '../../../src/jobs/names.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { GatedWebClient } from '../../../src/slack/gated-web-client.js';
import { SlackRetryGate } from '../../../src/slack/retry-gate.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-line-${randomBytes(6).toString('hex')}`;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;
const CHANNEL = 'C0APPROVALS';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let standIn: SlackStandIn;
const connections: Redis[] = [];
const connect = (options = {}) => {
  const redis = testRedis(options);
  connections.push(redis);
  return redis;
};

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: randomBytes(16).toString('hex') });
});

afterAll(async () => {
  await standIn.close();
  await deleteKeys([`${RUN}*`, `{${RUN}*`]);
  await Promise.all(connections.map((c) => c.quit()));
});

describe("a channel's line", () => {
  const gate = () => new SlackRetryGate(connect(), `${RUN}:gates`, 300);
  const channelGate = `chat.postMessage:${CHANNEL}`;

  it('gives calls deferred by a window turns one pace apart, after the window, in the order they came', async () => {
    const g = gate();
    await g.hold(channelGate, 1_000);
    const turns = [];
    for (let i = 0; i < 4; i++) turns.push(await g.reserve(channelGate, 5_000));
    const waits = turns.map((t) => (t.kind === 'window' ? t.ms : Number.NaN));
    expect(waits[0]).toBeGreaterThan(500);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    for (let i = 1; i < 4; i++) expect(waits[i]! - waits[i - 1]!).toBeGreaterThanOrEqual(290);
    expect(new Set(turns.map((t) => (t.kind === 'window' ? t.turn : undefined))).size).toBe(4);
  });

  it('lets the holder of a turn go at it, and queues a newcomer that comes just as a turn is due', async () => {
    const g = gate();
    const gateName = channelGate.replace('C0', 'C1');
    await g.hold(gateName, 400);
    const first = await g.reserve(gateName, 5_000);
    const second = await g.reserve(gateName, 5_000);
    if (first.kind !== 'window' || second.kind !== 'window') throw new Error('expected both deferred');
    await sleep(first.ms + 20);
    // A newcomer at the first turn's time: the turn is its holder's, so it goes to the end, behind the second.
    const newcomer = await g.reserve(gateName, 5_000);
    expect(newcomer.kind).toBe('window');
    if (newcomer.kind === 'window') expect(newcomer.ms).toBeGreaterThan(second.ms - first.ms);
    const holder = await g.reserve(gateName, 5_000, first.turn);
    expect(holder.kind).toBe('go');
    if (holder.kind === 'go') await g.release(gateName, holder.token);
  });

  it('lets a newcomer go once a turn nobody came back for is half a pace past', async () => {
    const g = new SlackRetryGate(connect(), `${RUN}:gates`, 2_000);
    const gateName = channelGate.replace('C0', 'C2');
    await g.hold(gateName, 200);
    const abandoned = await g.reserve(gateName, 5_000);
    if (abandoned.kind !== 'window') throw new Error('expected a deferral');
    await sleep(abandoned.ms + 1_100);
    expect((await g.reserve(gateName, 5_000)).kind).toBe('go');
  });

  it("is kept by chat.postMessage's gates only: chat.update's and a method's defer by their window alone", async () => {
    const g = gate();
    for (const name of [`chat.update:${CHANNEL}`, 'views.publish']) {
      await g.hold(name, 1_000);
      const a = await g.reserve(name, 5_000);
      const b = await g.reserve(name, 5_000);
      expect(a).toMatchObject({ kind: 'window' });
      expect(b).toMatchObject({ kind: 'window' });
      expect(a.kind === 'window' && a.turn).toBeFalsy();
      if (a.kind === 'window' && b.kind === 'window') expect(Math.abs(a.ms - b.ms)).toBeLessThan(200);
    }
  });
});

describe('a burst of posts into one paced channel, through the job worker', () => {
  const POSTS = 10;
  let jobs: GrantJobs;
  /** Per grant, how many times its refresh ran. */
  const runs = new Map<string, number>();
  /** The grants in the order their refresh first called Slack. */
  const firstTried: string[] = [];

  beforeAll(async () => {
    const gate = new SlackRetryGate(connect({ enableAutoPipelining: true }), `${RUN}:slack:retry-until`);
    const client = new GatedWebClient(
      BOT_TOKEN,
      { slackApiUrl: standIn.apiUrl, logLevel: webapi.LogLevel.ERROR },
      gate,
    );
    const nothing = async () => undefined;
    const handlers: JobHandlers = {
      [JOB.deliver]: nothing,
      [JOB.usage]: nothing,
      [JOB.auditFeed]: nothing,
      [JOB.homes]: nothing,
      [JOB.click]: nothing,
      // The workload: each refresh posts its grant's message into the one channel.
      [JOB.refresh]: async ({ grantId }) => {
        runs.set(grantId, (runs.get(grantId) ?? 0) + 1);
        if (runs.get(grantId) === 1) firstTried.push(grantId);
        await client.chat.postMessage({ channel: CHANNEL, text: grantId });
      },
    };
    jobs = new GrantJobs({
      connection: connect({ maxRetriesPerRequest: null }),
      prefix: `{${RUN}-jobs}`,
      logger: createLogger('silent'),
    });
    jobs.start(handlers);
  });

  afterAll(async () => {
    standIn.limit('chat.postMessage', null);
    await jobs.close();
  });

  it('posts every message once, in the order the jobs first tried, each deferred at most once', async () => {
    // Three in two seconds: Slack's pace for one channel, with room for the timers' jitter around the line's one a
    // second. Without the line the seven deferred posts would race at each window's end, three at a time.
    standIn.limit('chat.postMessage', { perWindow: 3, windowSeconds: 2 });
    const before = standIn.calls('chat.postMessage').length;
    const grants = Array.from({ length: POSTS }, (_, i) => `g_${RUN.slice(-6)}_${i}`);
    for (const grantId of grants) await jobs.changed(grantId, 'pending');

    const posted = () =>
      standIn
        .calls('chat.postMessage')
        .slice(before)
        .filter((c) => c.status === 200)
        .map((c) => String(c.args.text));
    await expect.poll(posted, { timeout: 90_000, interval: 250 }).toHaveLength(POSTS);

    expect(posted()).toEqual(firstTried);
    expect([...runs.values()].every((n) => n <= 2)).toBe(true);
    const limited = standIn
      .calls('chat.postMessage')
      .slice(before)
      .filter((c) => c.status === 429);
    // The one that met the window; everyone after it waited in line instead of trying.
    expect(limited.length).toBeLessThanOrEqual(2);
    expect(standIn.retryAfterViolations('chat.postMessage')).toEqual([]);
  }, 120_000);
});
