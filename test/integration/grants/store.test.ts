// Specification of the Redis grant store on real Redis: atomic transitions under races, the clock, and waiting.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { grantKeys } from '../../../src/grants/keys.js';
import { RedisGrantStore, type RedisGrantStoreOptions } from '../../../src/grants/redis-store.js';
import type { NewBroadGrant, TransitionResult } from '../../../src/grants/store-api.js';
import { decodeGrant } from '../../../src/grants/store-codec.js';
import type { Actor, Grant, SessionIdentity } from '../../../src/grants/types.js';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { deleteKeys, testRedis } from '../../support/redis.js';

const prefix = `cs-test-${randomUUID()}:`;
const keys = grantKeys(prefix);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

let clock = Date.now();
const options: RedisGrantStoreOptions = {
  prefix,
  retentionMs: DAY,
  sessionTtlMs: 7 * DAY,
  decisionWindowMs: 5 * MINUTE,
  maxAccessMs: 60 * MINUTE,
  requestAccessMs: 5 * MINUTE,
  now: () => clock,
};
const connections: Redis[] = [];
const stores: RedisGrantStore[] = [];
function connect(): Redis {
  const redis = testRedis();
  connections.push(redis);
  return redis;
}
function openStore(overrides: Partial<RedisGrantStoreOptions> = {}, redis = connect()): RedisGrantStore {
  const store = new RedisGrantStore(redis, { ...options, ...overrides });
  stores.push(store);
  return store;
}
const redis = connect();
const store = openStore({}, redis);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await deleteKeys([`${prefix}*`]);
  await Promise.all(connections.map((c) => c.quit()));
});

beforeEach(() => {
  clock = Date.now();
});

const person = (name: string, via: Actor['via'] = 'slack'): Actor => ({
  type: 'user',
  id: `U_${name.toUpperCase()}`,
  email: `${name}@example.com`,
  name,
  via,
});
const alice = person('alice');
const bob = person('bob', 'web');
const assistant: Actor = { type: 'assistant', id: 'claude-code', via: 'mcp' };

function identity(): SessionIdentity {
  const n = randomUUID().slice(0, 8);
  return { sid: `sess_${n}`, organizationId: 'org_1', userId: `user_${n}`, userEmail: `${n}@example.com` };
}
const broadFor = (owner: SessionIdentity, over: Partial<NewBroadGrant> = {}): NewBroadGrant => ({
  owner,
  clientName: 'claude-code',
  reason: 'triage the backlog',
  level: 'write',
  providers: ['linear', 'notion'],
  durationMs: 30 * MINUTE,
  ...over,
});
const requestFor = (owner: SessionIdentity) => ({
  owner,
  clientName: 'claude-code',
  reason: 'close LIN-42',
  level: 'write' as const,
  provider: 'linear',
  request: { method: 'POST' as const, url: 'https://api.linear.app/graphql', body: '{"query":"mutation"}' },
});
const raw = (id: string) => redis.get(keys.grant(id)!);

function okGrant(result: TransitionResult): Grant {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
  return result.grant;
}
async function approvedBroad(owner = identity()) {
  const { grant } = await store.createBroad(broadFor(owner));
  return { owner, grant: okGrant(await store.approve(grant.id, alice, {})) };
}

describe('sessions', () => {
  it('are created on first touch and refreshed on the next, keeping pointers', async () => {
    const me = identity();
    expect(await store.getSession(me)).toBeNull();
    const first = await store.touchSession(me, 'cursor');
    expect(first).toEqual({
      ...me,
      createdAt: clock,
      clientName: 'cursor',
      clientUrlElicitation: false,
      elicitedGrantId: null,
      pendingBroadId: null,
      activeBroadId: null,
    });
    const { grant } = await store.createBroad(broadFor(me));
    clock += MINUTE;
    const again = await store.touchSession({ ...me, userEmail: 'new@example.com' });
    expect(again).toMatchObject({
      createdAt: first.createdAt,
      clientName: 'cursor',
      userEmail: 'new@example.com',
    });
    expect(again.pendingBroadId).toBe(grant.id);
    expect(await redis.pttl(keys.session(me))).toBeGreaterThan(7 * DAY - MINUTE);
  });

  it('keep what the MCP client declared and the grant it was sent to, under the session TTL', async () => {
    const me = identity();
    await store.touchSession(me, 'claude-code');
    await store.setSessionClientField(me, 'clientUrlElicitation', '1');
    await store.setSessionClientField(me, 'elicitedGrantId', 'g_123');
    expect(await store.getSession(me)).toMatchObject({
      clientUrlElicitation: true,
      elicitedGrantId: 'g_123',
    });
    await store.setSessionClientField(me, 'elicitedGrantId', '');
    expect((await store.getSession(me))?.elicitedGrantId).toBeNull();
    expect(await redis.pttl(keys.session(me))).toBeGreaterThan(7 * DAY - MINUTE);
  });

  it('are separate per organization of one AuthKit session', async () => {
    const me = identity();
    await store.touchSession(me);
    expect(await store.getSession({ sid: me.sid, organizationId: null })).toBeNull();
  });
});

describe('creating grants', () => {
  it('stores a pending broad grant for the retention window and points the session at it', async () => {
    const me = identity();
    const { grant, superseded } = await store.createBroad(broadFor(me));
    expect(superseded).toBeNull();
    expect(grant).toMatchObject({ status: 'pending', decideBy: clock + 5 * MINUTE });
    expect(await store.get(grant.id)).toEqual(grant);
    expect(await redis.pttl(keys.grant(grant.id)!)).toBeGreaterThan(DAY - MINUTE);
    expect(await store.getSession(me)).toMatchObject({
      ...me,
      pendingBroadId: grant.id,
      clientName: 'claude-code',
    });
  });

  it('keeps every key of a session under one hash tag (Redis Cluster safe)', async () => {
    const me = identity();
    const { grant } = await store.createBroad(broadFor(me));
    await store.approve(grant.id, alice, {});
    await store.recordUse(grant.id);
    const request = await store.createRequest(requestFor(me));
    const tag = `{s:${keys.sessionHash(me)}}`;
    const found = await redis.keys(`${prefix}${tag}*`);
    expect(found.sort()).toEqual(
      [keys.session(me), keys.grant(grant.id), keys.uses(grant.id), keys.grant(request.id)].sort(),
    );
  });

  it('treats malformed ids as unknown', async () => {
    expect(await store.get('g_nope')).toBeNull();
    expect(await store.approve('../../etc', alice, {})).toEqual({ ok: false, code: 'not_found' });
    expect(await store.waitForDecision('x:y', 10)).toBeNull();
  });
});

describe('racing decisions', () => {
  it('lets exactly one of 20 concurrent approvals win; every loser sees the winner', async () => {
    const { grant } = await store.createBroad(broadFor(identity()));
    const approvers = Array.from({ length: 20 }, (_, i) => person(`approver${i}`));
    const results = await Promise.all(approvers.map((by) => store.approve(grant.id, by, { level: 'read' })));
    const wins = results.filter((r) => r.ok);
    const conflicts = results.filter((r) => !r.ok && r.code === 'conflict');
    expect(wins).toHaveLength(1);
    expect(conflicts).toHaveLength(19);
    const winner = okGrant(wins[0]!);
    for (const conflict of conflicts) {
      expect(conflict).toMatchObject({ grant: { status: 'approved', decidedBy: winner.decidedBy } });
    }
    const stored = (await raw(grant.id))!;
    expect(decodeGrant(stored, String(winner.uses))).toEqual(winner);
    // The stored form leaves null fields and the use count (its own key) out.
    expect(stored).not.toMatch(/:null|"uses"/);
    expect(winner.history.map((h) => h.status)).toEqual(['pending', 'approved']);
    expect(await store.getSession(grant.owner)).toMatchObject({
      activeBroadId: grant.id,
      pendingBroadId: null,
    });
  });

  it('lets exactly one of 20 concurrent approvals of a per-request grant win', async () => {
    const grant = await store.createRequest(requestFor(identity()));
    const approvers = Array.from({ length: 20 }, (_, i) => person(`approver${i}`));
    const results = await Promise.all(approvers.map((by) => store.approve(grant.id, by, {})));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = okGrant(results.find((r) => r.ok)!);
    expect(
      results.filter((r) => !r.ok && r.code === 'conflict' && r.grant.decidedBy?.id === winner.decidedBy?.id),
    ).toHaveLength(19);
  });

  it('lets one of a racing approve and deny win, and tells the other', async () => {
    for (let round = 0; round < 10; round++) {
      const { grant } = await store.createBroad(broadFor(identity()));
      const [approval, denial] = await Promise.all([
        store.approve(grant.id, alice, {}),
        store.deny(grant.id, bob, 'no'),
      ]);
      expect([approval.ok, denial.ok].filter(Boolean)).toHaveLength(1);
      const loser = approval.ok ? denial : approval;
      const stored = await store.get(grant.id);
      expect(loser).toEqual({ ok: false, code: 'conflict', grant: stored });
      expect(stored?.status).toBe(approval.ok ? 'approved' : 'denied');
    }
  });

  it('consumes an approved per-request grant exactly once among 20 concurrent calls', async () => {
    const me = identity();
    const grant = await store.createRequest(requestFor(me));
    okGrant(await store.approve(grant.id, alice, {}));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.consume(grant.id, me, assistant)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(
      results.filter((r) => !r.ok && r.code === 'conflict' && r.grant.status === 'consumed'),
    ).toHaveLength(19);
  });

  it('refuses a consume from another session and changes nothing', async () => {
    const me = identity();
    const grant = await store.createRequest(requestFor(me));
    okGrant(await store.approve(grant.id, alice, {}));
    const before = await raw(grant.id);
    const stranger = identity();
    expect(await store.consume(grant.id, stranger, assistant)).toEqual({ ok: false, code: 'forbidden' });
    expect(await store.consume(grant.id, { ...me, userId: 'user_other' }, assistant)).toEqual({
      ok: false,
      code: 'forbidden',
    });
    expect(await store.consume(grant.id, { ...me, organizationId: null }, assistant)).toEqual({
      ok: false,
      code: 'forbidden',
    });
    expect(await raw(grant.id)).toBe(before);
    expect(okGrant(await store.consume(grant.id, me, assistant)).status).toBe('consumed');
  });

  it('keeps one pending broad grant when a session re-requests concurrently', async () => {
    const me = identity();
    const created = await Promise.all(Array.from({ length: 10 }, () => store.createBroad(broadFor(me))));
    const current = await Promise.all(created.map(({ grant }) => store.get(grant.id)));
    const pending = current.filter((g) => g?.status === 'pending');
    expect(pending).toHaveLength(1);
    expect(current.filter((g) => g?.status === 'superseded')).toHaveLength(9);
    expect((await store.getSession(me))?.pendingBroadId).toBe(pending[0]!.id);
  });
});

describe('re-requesting and replacing broad access', () => {
  it('supersedes the pending request; the new one works and the old one stays dead (BUG-1, BUG-2)', async () => {
    const me = identity();
    const { grant: old } = await store.createBroad(broadFor(me));
    clock += SECOND;
    const { grant: fresh, superseded } = await store.createBroad(broadFor(me, { level: 'read' }));
    expect(superseded).toMatchObject({ id: old.id, status: 'superseded', supersededBy: fresh.id });
    expect(await store.get(old.id)).toEqual(superseded);
    expect(await store.getSession(me)).toMatchObject({ pendingBroadId: fresh.id });

    const lateClick = await store.approve(old.id, alice, {});
    expect(lateClick).toMatchObject({ ok: false, code: 'conflict', grant: { status: 'superseded' } });
    expect((await store.deny(old.id, alice, null)).ok).toBe(false);
    expect(await store.getSession(me)).toMatchObject({ pendingBroadId: fresh.id, activeBroadId: null });

    expect(okGrant(await store.approve(fresh.id, alice, {})).status).toBe('approved');
    expect((await store.activeBroad(me))?.id).toBe(fresh.id);
  });

  it('gives a session’s active grant only to its owner, never to another user naming the same sid', async () => {
    const { owner, grant } = await approvedBroad();
    expect((await store.activeBroad(owner))?.id).toBe(grant.id);
    expect(await store.activeBroad({ ...owner, userId: 'user_someone_else' })).toBeNull();
  });

  it('ends the active broad grant when another one is approved ("replaced")', async () => {
    const { owner, grant: first } = await approvedBroad();
    clock += MINUTE;
    const { grant: second } = await store.createBroad(broadFor(owner, { providers: ['notion'] }));
    expect((await store.activeBroad(owner))?.id).toBe(first.id);
    okGrant(await store.approve(second.id, bob, {}));
    expect(await store.get(first.id)).toMatchObject({
      status: 'ended',
      statusReason: `replaced by ${second.id}`,
      supersededBy: second.id,
      endedAt: clock,
    });
    expect((await store.get(first.id))?.history.at(-1)).toMatchObject({ status: 'ended', by: bob });
    expect(await store.getSession(owner)).toMatchObject({ activeBroadId: second.id, pendingBroadId: null });
    expect((await store.activeBroad(owner))?.id).toBe(second.id);
  });
});

describe('the clock', () => {
  it('expires a pending grant after the decision window and refuses a late approval', async () => {
    const me = identity();
    const { grant } = await store.createBroad(broadFor(me));
    clock = grant.decideBy;
    const late = await store.approve(grant.id, alice, {});
    expect(late).toMatchObject({
      ok: false,
      code: 'conflict',
      grant: { status: 'expired', endedAt: grant.decideBy },
    });
    expect(JSON.parse((await raw(grant.id))!).status).toBe('expired');
    expect((await store.getSession(me))?.pendingBroadId).toBeNull();
  });

  it('ends access at approval time + duration: activeBroad is gone and get shows ended', async () => {
    clock -= 10 * MINUTE;
    const { grant: created } = await store.createBroad(broadFor(identity()));
    clock += 4 * MINUTE;
    const grant = okGrant(await store.approve(created.id, alice, { durationMs: 2 * MINUTE }));
    expect(grant.expiresAt).toBe(clock + 2 * MINUTE);
    clock = grant.expiresAt! - 1;
    expect((await store.activeBroad(grant.owner))?.id).toBe(grant.id);
    clock = grant.expiresAt!;
    expect(await store.activeBroad(grant.owner)).toBeNull();
    expect(await store.get(grant.id)).toMatchObject({ status: 'ended', endedAt: grant.expiresAt });
    expect((await store.getSession(grant.owner))?.activeBroadId).toBeNull();
    expect((await store.finish(grant.id, 'revoked', alice)).ok).toBe(false);
  });

  it('refuses to consume a per-request grant once its time is up', async () => {
    const me = identity();
    const grant = await store.createRequest(requestFor(me));
    const approved = okGrant(await store.approve(grant.id, alice, {}));
    clock = approved.expiresAt!;
    expect(await store.consume(grant.id, me, assistant)).toMatchObject({
      code: 'conflict',
      grant: { status: 'ended' },
    });
  });
});

describe('narrowing', () => {
  it('refuses widening, unknown providers and an empty selection as invalid, changing nothing', async () => {
    const { grant } = await store.createBroad(broadFor(identity(), { level: 'read' }));
    const before = await raw(grant.id);
    for (const choice of [
      { level: 'write' as const },
      { providers: ['linear', 'github'] },
      { providers: [] },
    ]) {
      const result = await store.approve(grant.id, alice, choice);
      expect(result).toMatchObject({ ok: false, code: 'invalid', grant: { status: 'pending' } });
      expect(result.ok === false && result.code === 'invalid' && result.message).toBeTruthy();
    }
    expect(await raw(grant.id)).toBe(before);
    const narrowed = okGrant(
      await store.approve(grant.id, alice, { providers: ['notion'], durationMs: 5 * MINUTE }),
    );
    expect(narrowed).toMatchObject({ providers: ['notion'], requestedProviders: ['linear', 'notion'] });
  });
});

describe('history and bookkeeping', () => {
  it('records who did what, when and how', async () => {
    const { grant: created } = await store.createBroad(broadFor(identity()));
    clock += 30 * SECOND;
    const approvedAt = clock;
    okGrant(
      await store.approve(created.id, alice, { providers: ['linear'], instructions: 'read-only please' }),
    );
    clock += MINUTE;
    const revokedAt = clock;
    const revoked = okGrant(await store.finish(created.id, 'revoked', bob, 'enough'));
    expect(revoked.history).toEqual([
      {
        status: 'pending',
        at: created.createdAt,
        by: expect.objectContaining({ type: 'assistant', via: 'mcp' }),
      },
      {
        status: 'approved',
        at: approvedAt,
        by: alice,
        note: 'write on linear for 30 minutes (asked: write on linear, notion)',
      },
      { status: 'revoked', at: revokedAt, by: bob, note: 'enough' },
    ]);
    expect(await store.get(created.id)).toEqual(revoked);
    expect(await redis.pttl(keys.grant(created.id)!)).toBeGreaterThan(DAY - MINUTE);
  });

  it('clears the session pointers when a broad grant is denied, cancelled or released', async () => {
    const me = identity();
    const { grant: denied } = await store.createBroad(broadFor(me));
    okGrant(await store.deny(denied.id, alice, '  not now '));
    expect(await store.getSession(me)).toMatchObject({ pendingBroadId: null });
    expect((await store.get(denied.id))?.statusReason).toBe('not now');

    const { grant: cancelled } = await store.createBroad(broadFor(me));
    okGrant(await store.cancel(cancelled.id, assistant));
    expect(await store.getSession(me)).toMatchObject({ pendingBroadId: null });

    const { grant: released } = await approvedBroad(me);
    okGrant(await store.finish(released.id, 'released', assistant, null));
    expect(await store.getSession(me)).toMatchObject({ activeBroadId: null });
    expect(await store.activeBroad(me)).toBeNull();
  });

  it('counts upstream calls into uses', async () => {
    const { grant } = await approvedBroad();
    await Promise.all([store.recordUse(grant.id), store.recordUse(grant.id), store.recordUse(grant.id)]);
    expect((await store.get(grant.id))?.uses).toBe(3);
    expect((await store.activeBroad(grant.owner))?.uses).toBe(3);
  });
});

describe('waitForDecision', () => {
  // Waits that would only end by their own timeout run far longer than any slow machine needs to wake them: a
  // waiter resolved well before LONG_WAIT was woken by the event (there is no polling), whatever the CPU load.
  const LONG_WAIT = 60 * SECOND;
  const WOKEN_WITHIN = LONG_WAIT / 2;

  it(
    'resolves on an approval made on another connection, not at its timeout',
    async () => {
      const { grant } = await store.createBroad(broadFor(identity()));
      const elsewhere = openStore();
      const waiting = store.waitForDecision(grant.id, LONG_WAIT);
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      okGrant(await elsewhere.approve(grant.id, alice, {}));
      const decided = await waiting;
      expect(decided).toMatchObject({ id: grant.id, status: 'approved', decidedBy: alice });
      expect(performance.now() - started).toBeLessThan(WOKEN_WITHIN);
    },
    2 * LONG_WAIT,
  );

  it(
    'returns at once for a grant that is already decided',
    async () => {
      const { grant } = await approvedBroad();
      const started = performance.now();
      expect((await store.waitForDecision(grant.id, LONG_WAIT))?.status).toBe('approved');
      expect(performance.now() - started).toBeLessThan(WOKEN_WITHIN);
    },
    2 * LONG_WAIT,
  );

  it(
    'tells its wake-up whether an event woke it: a decision does, the timer and an abort do not',
    async () => {
      const { grant } = await store.createBroad(broadFor(identity()));
      const woken: boolean[] = [];
      const waiting = store.waitForDecision(grant.id, LONG_WAIT, undefined, (byEvent) => woken.push(byEvent));
      await new Promise((r) => setTimeout(r, 50));
      okGrant(await openStore().approve(grant.id, alice, {}));
      expect((await waiting)?.status).toBe('approved');
      const pending = await store.createBroad(broadFor(identity()));
      await store.waitForDecision(pending.grant.id, 100, undefined, (byEvent) => woken.push(byEvent));
      const controller = new AbortController();
      const aborted = store.waitForDecision(pending.grant.id, LONG_WAIT, controller.signal, (byEvent) =>
        woken.push(byEvent),
      );
      controller.abort();
      await aborted;
      expect(woken).toEqual([true, false, false]);
    },
    2 * LONG_WAIT,
  );

  it('times out cleanly with the still-pending record', async () => {
    const { grant } = await store.createBroad(broadFor(identity()));
    const started = performance.now();
    expect((await store.waitForDecision(grant.id, 150))?.status).toBe('pending');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it(
    'stops on abort',
    async () => {
      const { grant } = await store.createBroad(broadFor(identity()));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      const started = performance.now();
      expect((await store.waitForDecision(grant.id, LONG_WAIT, controller.signal))?.status).toBe('pending');
      expect(performance.now() - started).toBeLessThan(WOKEN_WITHIN);
    },
    2 * LONG_WAIT,
  );

  it(
    'wakes when the decision window closes, though nobody publishes that',
    async () => {
      const quick = openStore({ now: Date.now, decisionWindowMs: 200 });
      const { grant } = await quick.createBroad(broadFor(identity()));
      const started = performance.now();
      expect((await quick.waitForDecision(grant.id, LONG_WAIT))?.status).toBe('expired');
      expect(performance.now() - started).toBeLessThan(WOKEN_WITHIN);
    },
    2 * LONG_WAIT,
  );

  it(
    'answers from the decision the event carried, without reading the grant again',
    async () => {
      const own = connect();
      const waiter = openStore({}, own);
      for (const approve of [
        async (id: string) => okGrant(await openStore().approve(id, alice, {})),
        async (id: string) => okGrant(await openStore().deny(id, alice, 'not now')),
      ]) {
        const { grant } = await store.createBroad(broadFor(identity()));
        const waiting = waiter.waitForDecision(grant.id, LONG_WAIT);
        // Its first read (after subscribing) is done once the wait is set up.
        await new Promise((r) => setTimeout(r, 100));
        const reads = vi.spyOn(own, 'mget');
        const decided = await approve(grant.id);
        expect(await waiting).toEqual(decided);
        expect(reads).not.toHaveBeenCalled();
        reads.mockRestore();
      }
    },
    2 * LONG_WAIT,
  );

  it(
    'reads the grant when the decision line cannot be read, or the clock already moved it on',
    async () => {
      const own = connect();
      const waiter = openStore({}, own);
      const { grant } = await store.createBroad(broadFor(identity()));
      const waiting = waiter.waitForDecision(grant.id, LONG_WAIT);
      await new Promise((r) => setTimeout(r, 100));
      const reads = vi.spyOn(own, 'mget');
      // A line no instance could have written, then the decision itself (whose own line is read as usual).
      await redis.publish(keys.decisions, `${grant.id} {not json`);
      const decided = okGrant(await openStore().approve(grant.id, alice, { durationMs: MINUTE }));
      expect(await waiting).toEqual(decided);

      // A decision whose access already ran out when it arrives: the waiter reads (and so applies the clock).
      const late = openStore({ now: () => clock + 2 * MINUTE }, own);
      const { grant: other } = await store.createBroad(broadFor(identity()));
      const lateWait = late.waitForDecision(other.id, LONG_WAIT);
      await new Promise((r) => setTimeout(r, 100));
      reads.mockClear();
      okGrant(await openStore().approve(other.id, alice, { durationMs: MINUTE }));
      expect((await lateWait)?.status).toBe('ended');
      expect(reads).toHaveBeenCalled();
      reads.mockRestore();
    },
    2 * LONG_WAIT,
  );

  it('serves many waiters from one subscription and lets close() release them', async () => {
    const own = openStore();
    const { grant } = await own.createBroad(broadFor(identity()));
    const waits = Array.from({ length: 5 }, () => own.waitForDecision(grant.id, LONG_WAIT));
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    for (const grantNow of await Promise.all(waits)) expect(grantNow?.status).toBe('pending');
  });
});

// The store checks most things in TypeScript before a script runs; these pin down the scripts' own guards,
// which are what hold when another instance writes between that read and the script.
describe('Lua scripts on their own', () => {
  type Script = (...args: string[]) => Promise<unknown>;
  const script = (name: string) => (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  const common = [String(DAY), String(7 * DAY), keys.events];

  it('approve-broad retries, writing nothing, when the active pointer moved since it was read', async () => {
    const me = identity();
    const { grant } = await store.createBroad(broadFor(me));
    const before = await raw(grant.id);
    const next = JSON.stringify({ ...grant, status: 'approved' });
    const args = ['1', grant.id, next, `g_${keys.sessionHash(me)}_${'a'.repeat(24)}`, '', '', ...common];
    const sessionKey = keys.session(me);
    expect(
      await script('countersignApproveBroad')(
        keys.grant(grant.id)!,
        sessionKey,
        keys.grant(grant.id)!,
        ...args,
      ),
    ).toEqual(['retry']);
    expect(await raw(grant.id)).toBe(before);
  });

  it('approve-broad retries when the grant it replaces changed since it was read', async () => {
    const { owner, grant: first } = await approvedBroad();
    const { grant: second } = await store.createBroad(broadFor(owner));
    const [firstBefore, secondBefore] = [await raw(first.id), await raw(second.id)];
    const args = [
      '1',
      second.id,
      JSON.stringify({ ...second, status: 'approved' }),
      first.id,
      '1', // stale: the first grant's history already has two entries
      JSON.stringify({ ...first, status: 'ended' }),
      ...common,
    ];
    const grantKeysUsed = [keys.grant(second.id)!, keys.session(owner), keys.grant(first.id)!];
    expect(await script('countersignApproveBroad')(...grantKeysUsed, ...args)).toEqual(['retry']);
    expect([await raw(first.id), await raw(second.id)]).toEqual([firstBefore, secondBefore]);
  });

  it('create-broad retries when the pending grant it supersedes changed since it was read', async () => {
    const me = identity();
    const { grant: old } = await store.createBroad(broadFor(me));
    const before = await raw(old.id);
    const newId = `g_${keys.sessionHash(me)}_${'b'.repeat(24)}`;
    const args = [
      old.id,
      newId,
      '{"id":"x","status":"pending","history":[]}',
      '7',
      '{}',
      'superseded',
      ...common,
    ];
    expect(
      await script('countersignCreateBroad')(
        keys.session(me),
        keys.grant(newId)!,
        keys.grant(old.id)!,
        ...args,
      ),
    ).toEqual(['retry']);
    expect(await raw(old.id)).toBe(before);
    expect(await redis.exists(keys.grant(newId)!)).toBe(0);
  });

  it('consume checks the owner itself', async () => {
    const me = identity();
    const grant = okGrant(await store.approve((await store.createRequest(requestFor(me))).id, alice, {}));
    const before = await raw(grant.id);
    const args = [
      'sess_other',
      me.organizationId!,
      me.userId,
      '2',
      '{}',
      String(clock),
      String(DAY),
      keys.events,
      grant.id,
    ];
    expect(await script('countersignConsume')(keys.grant(grant.id)!, ...args)).toEqual(['forbidden']);
    expect(await raw(grant.id)).toBe(before);
  });
});
