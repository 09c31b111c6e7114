// The Slack directory's Redis cache: shared by instances, fresh for its TTLs, misses remembered briefly, and
// what Slack last said served while Slack errors. Against the Slack stand-in and a real Redis under a random prefix.
import { randomBytes } from 'node:crypto';
import webapi from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../../src/redis/connections.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { SlackDirectory } from '../../../src/slack/directory.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const PREFIX = `cs-it-directory-${randomBytes(6).toString('hex')}:`;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;
const MINUTE = 60_000;

let standIn: SlackStandIn;
let redis: RedisClient;

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: BOT_TOKEN, signingSecret: randomBytes(16).toString('hex') });
  redis = testRedis();
});
afterAll(async () => {
  await standIn?.close();
  redis?.disconnect();
  await deleteKeys([`${PREFIX}*`]);
});

/** A clock the test moves; every directory of one test shares it, as instances share wall time. */
function clock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** One instance: its own in-process level, the shared Redis level, a Slack client that does not retry. */
function instance(now: () => number, prefix: string, connection: RedisClient | null = redis) {
  const client = new webapi.WebClient(BOT_TOKEN, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
  });
  return new SlackDirectory(client, { redis: connection, prefix, now });
}

const calls = (method: string) => standIn.calls(method).length;
/** A prefix per test, so no test sees another's entries. */
const fresh = () => `${PREFIX}${randomBytes(4).toString('hex')}:`;

describe('SlackDirectory with Redis', () => {
  it('asks Slack once for all instances and keeps the answer under the prefix', async () => {
    const t = clock();
    const prefix = fresh();
    const before = calls('users.info');
    const bob = await instance(t.now, prefix).user('U0BOB');
    expect(bob).toMatchObject({ id: 'U0BOB', email: 'bob@sandbox.test', deleted: false, isBot: false });
    // A second instance (empty in-process level) reads Redis, not Slack.
    expect(await instance(t.now, prefix).user('U0BOB')).toEqual(bob);
    expect(calls('users.info') - before).toBe(1);
    expect(await redis.exists(`${prefix}slack:dir:user:U0BOB`)).toBe(1);
  });

  it('asks Slack again once an answer is older than its TTL: users 10 min, groups 30 s', async () => {
    const t = clock();
    const prefix = fresh();
    const directory = instance(t.now, prefix);
    const users = calls('users.info');
    const groups = calls('usergroups.users.list');
    await directory.user('U0BOB');
    expect(await directory.groupMembers('S0APPROVERS')).toEqual(['U0BOB']);

    t.advance(29_000);
    await directory.groupMembers('S0APPROVERS');
    expect(calls('usergroups.users.list') - groups).toBe(1);
    t.advance(2_000);
    await directory.groupMembers('S0APPROVERS');
    expect(calls('usergroups.users.list') - groups).toBe(2);

    t.advance(9 * MINUTE);
    await instance(t.now, prefix).user('U0BOB');
    expect(calls('users.info') - users).toBe(1);
    t.advance(MINUTE);
    await instance(t.now, prefix).user('U0BOB');
    expect(calls('users.info') - users).toBe(2);
  });

  it('remembers "no such person" for a minute, so a new account is found soon after', async () => {
    const t = clock();
    const prefix = fresh();
    const before = calls('users.lookupByEmail');
    expect(await instance(t.now, prefix).userIdByEmail('nobody@sandbox.test')).toBeNull();
    t.advance(50_000);
    expect(await instance(t.now, prefix).userIdByEmail('Nobody@Sandbox.test')).toBeNull();
    expect(calls('users.lookupByEmail') - before).toBe(1);
    t.advance(15_000);
    expect(await instance(t.now, prefix).userIdByEmail('nobody@sandbox.test')).toBeNull();
    expect(calls('users.lookupByEmail') - before).toBe(2);
    expect(await instance(t.now, prefix).userIdByEmail('bob@sandbox.test')).toBe('U0BOB');
  });

  it('serves what Slack last said while Slack errors, on every instance, and throws when it never said anything', async () => {
    const t = clock();
    const prefix = fresh();
    const first = instance(t.now, prefix);
    await first.user('U0BOB');
    await first.groupMembers('S0APPROVERS');
    await first.userIdByEmail('alice@sandbox.test');
    t.advance(2 * 3_600_000);
    standIn.outage('*', { status: 503 });
    try {
      const stale: string[] = [];
      const client = new webapi.WebClient(BOT_TOKEN, {
        slackApiUrl: standIn.apiUrl,
        retryConfig: { retries: 0 },
      });
      const other = new SlackDirectory(client, {
        redis,
        prefix,
        now: t.now,
        onStale: (key, ageMs) => stale.push(`${key} ${ageMs}`),
      });
      const before = calls('users.info');
      expect((await other.user('U0BOB'))?.email).toBe('bob@sandbox.test');
      expect(calls('users.info') - before).toBe(1);
      expect(await other.groupMembers('S0APPROVERS')).toEqual(['U0BOB']);
      expect(await other.userIdByEmail('alice@sandbox.test')).toBe('U0ALICE');
      // Never looked up: nothing to fall back on.
      await expect(other.user('U0MALLORY')).rejects.toThrow();
      // Not silently: each stale answer is reported with its age.
      expect(stale).toEqual([
        'user:U0BOB 7200000',
        'group:S0APPROVERS 7200000',
        'email:alice@sandbox.test 7200000',
      ]);
    } finally {
      standIn.outage('*', null);
    }
    // Slack answers again: the stale entry is replaced.
    const before = calls('users.info');
    await instance(t.now, prefix).user('U0BOB');
    expect(calls('users.info') - before).toBe(1);
    await instance(t.now, prefix).user('U0BOB');
    expect(calls('users.info') - before).toBe(1);
  });

  it('names channels and user groups (consent message): cached 10 min, what Slack said served while it errors', async () => {
    const t = clock();
    const prefix = fresh();
    const directory = instance(t.now, prefix);
    const infos = calls('conversations.info');
    const lists = calls('usergroups.list');
    expect(await directory.channel('C0APPROVALS')).toEqual({
      id: 'C0APPROVALS',
      name: 'access-approvals',
      isIm: false,
    });
    expect(await directory.channel('C0NOSUCH')).toBeNull();
    // One usergroups.list answers for every group.
    expect(await directory.groupHandle('S0DATATEAM')).toBe('data-team');
    expect(await instance(t.now, prefix).groupHandle('S0APPROVERS')).toBe('approvers');
    expect(await directory.groupHandle('S0NOSUCH')).toBeNull();
    expect(calls('usergroups.list') - lists).toBe(1);
    expect((await directory.user('U0BOB'))?.displayName).toBe('bob');
    t.advance(9 * MINUTE);
    await instance(t.now, prefix).channel('C0APPROVALS');
    expect(calls('conversations.info') - infos).toBe(2);
    t.advance(2 * MINUTE);
    standIn.outage('conversations.info', { status: 503 });
    standIn.outage('usergroups.list', { status: 503 });
    try {
      const other = instance(t.now, prefix);
      expect((await other.channel('C0APPROVALS'))?.name).toBe('access-approvals');
      expect(await other.groupHandle('S0DATATEAM')).toBe('data-team');
      expect(calls('conversations.info') - infos).toBe(3);
      await expect(other.channel('C0GENERAL')).rejects.toThrow();
    } finally {
      standIn.outage('conversations.info', null);
      standIn.outage('usergroups.list', null);
    }
  });

  it('keeps stale answers only as long as staleForMs', async () => {
    const t = clock();
    const prefix = fresh();
    const client = new webapi.WebClient(BOT_TOKEN, {
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
    });
    const directory = new SlackDirectory(client, { redis, prefix, now: t.now, staleForMs: 3_600_000 });
    await directory.user('U0BOB');
    expect(await redis.pttl(`${prefix}slack:dir:user:U0BOB`)).toBeGreaterThan(3_500_000);
    t.advance(3_600_001);
    standIn.outage('users.info', { status: 500 });
    try {
      await expect(directory.user('U0BOB')).rejects.toThrow();
    } finally {
      standIn.outage('users.info', null);
    }
  });

  it('asks Slack once for concurrent lookups of the same person', async () => {
    const t = clock();
    const prefix = fresh();
    const directory = instance(t.now, prefix);
    const before = calls('users.info');
    const all = await Promise.all(Array.from({ length: 5 }, () => directory.user('U0ALICE')));
    expect(new Set(all.map((u) => u?.id))).toEqual(new Set(['U0ALICE']));
    expect(calls('users.info') - before).toBe(1);
  });

  it('still answers from Slack when Redis cannot be reached', async () => {
    const t = clock();
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const unreachable = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined);
    try {
      const directory = instance(t.now, fresh(), unreachable);
      expect((await directory.user('U0BOB'))?.id).toBe('U0BOB');
    } finally {
      unreachable.disconnect();
    }
  });
});
