// Every Redis key family and every multi-key operation, against Redis Cluster's rule: the keys one command,
// MULTI or Lua script touches must hash to one slot. A new key or a new multi-key operation fails here until
// it is listed (and so thought about).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { grantKeys } from '../../../src/grants/keys.js';
import { createRequestLimiter } from '../../../src/mcp/request-limit.js';
import type { RedisClient } from '../../../src/redis/connections.js';
import { hashTag, keySlot, slotTag } from '../../../src/redis/key-slot.js';
import { MessageRefs } from '../../../src/slack/message-refs.js';
import { gateName, SlackRetryGate } from '../../../src/slack/retry-gate.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PREFIX = 'cs:';

/** A client that records the keys each command or MULTI touches (the first argument of each command). */
function recordingRedis() {
  const groups: string[][] = [];
  const multi = () => {
    const keys: string[] = [];
    const chain: Record<string, unknown> = new Proxy(
      {},
      {
        get: (_target, name) =>
          name === 'exec'
            ? async () => {
                groups.push(keys);
                return keys.map(() => [null, 1]);
              }
            : (key: string) => {
                keys.push(key);
                return chain;
              },
      },
    );
    return chain;
  };
  const redis = new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'multi'
          ? multi
          : async (key: string) => {
              groups.push([key]);
              return null;
            },
    },
  ) as unknown as RedisClient;
  return { redis, groups };
}

const slots = (keys: string[]) => new Set(keys.map(keySlot));

describe('the hash slot rule', () => {
  it('matches what Redis computes (CLUSTER KEYSLOT)', () => {
    expect(keySlot('{cs-jobs}')).toBe(11445);
    expect(keySlot('cs:{s:0123456789abcdef}:grant:g_x')).toBe(4287);
    expect(keySlot('cs:slack:pending')).toBe(16086);
    expect(keySlot('a{}b')).toBe(13694);
    expect(keySlot('a{}{b}c')).toBe(14872);
    expect(keySlot('123456789')).toBe(12739);
    expect(hashTag('x{a}{b}')).toBe('a');
  });
});

describe('keys used together share a slot', () => {
  it('a grant, its session, its use counter and usage hash (every store script and MULTI)', () => {
    const keys = grantKeys(PREFIX);
    const owner = { sid: 'sid-1', organizationId: 'org_1' };
    const ids = [1, 2, 3].map((n) => keys.newGrantId(owner, new Uint8Array(15).fill(n)));
    const family = ids.flatMap((id) => [
      keys.session(owner),
      keys.sessionOfGrant(id)!,
      keys.grant(id)!,
      keys.uses(id)!,
      keys.usage(id)!,
    ]);
    // create-broad and approve-broad touch the session, the new grant and the session's previous grant.
    expect(slots(family).size).toBe(1);
    expect(keys.session({ sid: 'sid-2', organizationId: 'org_1' })).not.toBe(keys.session(owner));
  });

  it('the authorize-use script: the session key, and the grant and counter keys it names from its base', () => {
    const keys = grantKeys(PREFIX);
    const owner = { sid: 'sid-1', organizationId: null };
    const id = keys.newGrantId(owner, new Uint8Array(15).fill(7));
    const session = keys.session(owner);
    // As src/grants/use-ledger.ts passes it (ARGV[2]) and scripts/authorize-use.lua appends to it.
    const base = session.slice(0, -'session'.length);
    expect(`${base}grant:${id}`).toBe(keys.grant(id));
    expect(`${base}uses:${id}`).toBe(keys.uses(id));
    expect(slots([session, `${base}grant:${id}`, `${base}uses:${id}`]).size).toBe(1);
  });

  it('the Slack pending and active indexes (markActive, markDone)', async () => {
    const { redis, groups } = recordingRedis();
    const refs = new MessageRefs(redis, PREFIX, 60_000);
    await refs.markActive('g_1', 1);
    await refs.markDone('g_1');
    expect(groups).toHaveLength(2);
    for (const keys of groups) {
      expect(keys).toHaveLength(2);
      expect(slots(keys).size).toBe(1);
    }
    expect(groups[0]![0]!.startsWith(PREFIX)).toBe(true);
  });

  it('the request limiter counts in one key per user and minute', async () => {
    const { redis, groups } = recordingRedis();
    await createRequestLimiter(redis, PREFIX, 5, () => 0)('user_1');
    expect(groups).toHaveLength(1);
    expect(slots(groups[0]!).size).toBe(1);
  });

  it("the job queue's keys, its deadlines and dedupe keys (BullMQ scripts, the deadline claim)", () => {
    const prefix = slotTag(PREFIX, 'jobs');
    expect(prefix).toBe('{cs-jobs}');
    const keys = [
      'wait',
      'active',
      'delayed',
      'meta',
      'events',
      'stalled-check',
      'repeat:deadlines',
      'j1',
    ].map((name) => `${prefix}:grants:${name}`);
    keys.push(`${prefix}:deadlines`, `${prefix}:dedupe:refresh_g_1_approved`);
    expect(slots(keys).size).toBe(1);
  });
});

describe('keys used together share a slot (durability)', () => {
  it('the deadlines and their in-flight leases (claim, give back, complete)', () => {
    const deadlines = `${slotTag(PREFIX, 'jobs')}:deadlines`;
    expect(
      slots([deadlines, `${deadlines}:inflight`, `${slotTag(PREFIX, 'jobs')}:once:g_1:remind`]).size,
    ).toBe(1);
  });

  it('the audit stream and the once-mark of a system event (one script)', () => {
    const stream = `${PREFIX}audit`;
    expect(slots([stream, `{${stream}}:once:g_1:expired`]).size).toBe(1);
  });

  it("a Slack gate's Retry-After window, its in-flight slot and its line (one script), per method or per channel", async () => {
    const { redis, groups } = recordingRedis();
    const gate = new SlackRetryGate(redis, `${PREFIX}slack:retry-until`);
    for (const name of ['views.publish', gateName('chat.update', { channel: 'C0APPROVALS' })]) {
      const tag = `${PREFIX}slack:retry-until:{${name}}`;
      expect(slots([`${tag}:window`, `${tag}:slot`, `${tag}:line`]).size).toBe(1);
      await gate.waitMs(name);
    }
    expect(groups.map(([key]) => key)).toEqual([
      `${PREFIX}slack:retry-until:{views.publish}:window`,
      `${PREFIX}slack:retry-until:{chat.update:C0APPROVALS}:window`,
    ]);
    // Each channel is its own gate, so channels spread over slots instead of all landing on one.
    const channels = ['C0APPROVALS', 'C0AUDIT', 'C0GENERAL', 'D0ALICE'].map(
      (channel) => `${PREFIX}slack:retry-until:{${gateName('chat.update', { channel })}}:window`,
    );
    expect(slots(channels).size).toBeGreaterThan(1);
  });
});

/**
 * Every key built from the prefix in src/ (as written in the source), and why it is cluster-safe. A new entry
 * here needs a reason: a single-key family, or a test above showing its group shares one slot.
 */
const KEY_FAMILIES: Record<string, string> = {
  '`${options.prefix}:deadlines`': 'the jobs hash tag (test above)',
  '`${this.options.prefix}:dedupe:${id}`': 'the jobs hash tag (test above)',
  '`${prefix}{s:${hash}}`': 'the session hash tag of grants, sessions and usage (test above)',
  '`${prefix}grant-events`': 'a pub/sub channel, not a key (PUBLISH reaches every node)',
  '`${prefix}grant-decisions`': 'a pub/sub channel, not a key (PUBLISH reaches every node)',
  '`${prefix}slack-posted`': 'a pub/sub channel, not a key (PUBLISH reaches every node)',
  '`${prefix}audit`': 'one stream: single-key commands only',
  '`${config.redis.prefix}audit`': 'the same stream',
  '`${this.prefix}slack:msg:${grantId}`':
    "a grant's Slack hash (ref, posting and once-marks, audit thread): MULTIs and a script on that key alone",
  "`${this.prefix}${slotTag(this.prefix, 'slack')}:${which}`": 'the Slack indexes tag (test above)',
  '`${deps.prefix}slack:home-viewers`': 'single key',
  '`${config.redis.prefix}slack:retry-until`':
    "the Slack gates' base: each gate's window, slot and line share the tag `{<method>[:<channel>]}` (test above)",
  '`${deps.prefix}slack:audit-feed:cursor`': 'single key, never in the same command as the lock',
  '`${deps.prefix}slack:audit-feed:lock`': 'single key (its Lua scripts have one key)',
  '`${prefix}ratelimit:{${userId}}:${window}`': 'single key (test above)',
  '`${prefix}pending:{${userId}}`':
    "a requester's pending set: single key (its one-key script, a MULTI on it alone)",
  '`${this.prefix}:dedupe:${id}`':
    "a click's dedupe key: under the jobs hash tag, beside the queue (test above)",
  '`${options.prefix}:once`': "the jobs' once-marks base: under the jobs hash tag (test above)",
  '`${this.prefix}:${grantId}:${effect}`': 'a once-mark: single key (SET NX / DEL), under the jobs hash tag',
  '`${prefix}workers`': 'the worker heartbeats: one sorted set, one-key scripts',
  '`${deps.prefix}reset-notice:${epoch}:${channel}`': 'single key (SET NX / DEL)',
  '`${prefix}epoch`': 'single key (SET NX / GET)',
  '`${config.redis.prefix}policy:version`': 'single key (SET / GET): the policy version last loaded',
  '`${this.deps.prefix}policy:refused:${digestOf(problems)}`':
    'single key (SET NX / DEL): one notice per refused POLICY_FILE version',
  '`${this.deps.prefix}policy:restored:${digestOf(problems)}`':
    'single key (SET NX / DEL): one notice that a good POLICY_FILE is in force again',
  '`${prefix}epoch:{e${n}}`':
    "a shard's epoch key: single key (SET NX / GET), tagged into a slot of that shard",
  '`${prefix}readyz:${instance}`': "single key (/readyz's SET PX and GET)",
  '`${this.deps.prefix}slack:setup-dm:${digest}`':
    'single key (SET NX): one admin DM per set of setup problems',
};

/** Files with multi-key-capable calls (MULTI, pipelines, Lua scripts), and how many each has, as audited. */
const MULTI_KEY_CALLS: Record<string, number> = {
  'src/grants/redis-store.ts': 3, // MULTI in createRequest and recordUse (grant tag), defineCommand of the scripts
  'src/grants/use-ledger.ts': 1, // authorize-use: the session key and the keys it names from its tag (test above)
  // MULTIs on a grant's one Slack hash (posting mark, once-mark, audit thread); markActive and markDone on the
  // indexes tag; the ref claim script (one key)
  'src/slack/message-refs.ts': 6,
  'src/slack/retry-gate.ts': 2, // a gate's window, slot and line, one tag (test above)
  'src/slack/audit-feed.ts': 2, // two one-key scripts
  'src/jobs/deadlines.ts': 3, // MULTI and two scripts on the deadlines and in-flight sets (jobs tag, test above)
  'src/mcp/request-limit.ts': 1, // a MULTI on one key
  'src/mcp/pending-cap.ts': 2, // a one-key script and a MULTI on the same pending set
  'src/audit/audit-log.ts': 1, // the stream and its once-mark `{<stream>}:once:…` (test above)
  'src/lib/redis-script.ts': 2, // RedisScript's own EVALSHA and EVAL: the scripts are counted where they are made
  'src/ops/heartbeat.ts': 2, // two one-key scripts on the heartbeat set
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the audit is complete', () => {
  const files = sourceFiles(join(ROOT, 'src')).map((path) => ({
    name: relative(ROOT, path),
    text: readFileSync(path, 'utf8'),
  }));

  it('every key family in src/ is listed with its slot reasoning', () => {
    const found = new Set<string>();
    for (const { name, text } of files) {
      if (name.startsWith('src/audit/csv.ts')) continue; // CSV column names, not Redis keys
      for (const match of text.matchAll(/`\$\{[A-Za-z.]*[pP]refix\}[^`]*`/g)) found.add(match[0]);
    }
    const unlisted = [...found].filter((key) => !(key in KEY_FAMILIES));
    expect(unlisted, 'new Redis keys: add them to KEY_FAMILIES with their slot reasoning').toEqual([]);
    const gone = Object.keys(KEY_FAMILIES).filter((key) => !found.has(key));
    expect(gone, 'listed keys no longer in src/: remove them').toEqual([]);
  });

  it('every MULTI, pipeline and Lua script in src/ was audited', () => {
    const counted: Record<string, number> = {};
    for (const { name, text } of files) {
      const pattern = /\.multi\(|\.pipeline\(|\.eval\(|\.evalsha\(|defineCommand\(|new RedisScript\(/g;
      const n = (text.match(pattern) ?? []).length;
      if (n > 0) counted[name] = n;
    }
    expect(counted, 'a new multi-key operation: check its keys share a slot, then list it').toEqual(
      MULTI_KEY_CALLS,
    );
  });
});
