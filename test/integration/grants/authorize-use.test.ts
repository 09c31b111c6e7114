// The per-call path of the grant store on real Redis: authorizeUse checks and counts in one script, and the
// batched outcomes reach the usage hash by close().
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { grantKeys } from '../../../src/grants/keys.js';
import { RedisGrantStore, type RedisGrantStoreOptions } from '../../../src/grants/redis-store.js';
import type { TransitionResult, UseAuthorization } from '../../../src/grants/store-api.js';
import type { Actor, Grant, SessionIdentity } from '../../../src/grants/types.js';
import { deleteKeys, testRedis } from '../../support/redis.js';

const prefix = `cs-test-${randomUUID()}:`;
const keys = grantKeys(prefix);
const MINUTE = 60_000;
let clock = Date.now();
const options: RedisGrantStoreOptions = {
  prefix,
  retentionMs: 24 * 60 * MINUTE,
  sessionTtlMs: 24 * 60 * MINUTE,
  decisionWindowMs: 5 * MINUTE,
  maxAccessMs: 60 * MINUTE,
  now: () => clock,
};
const redis = testRedis();
const store = new RedisGrantStore(redis, options);
const approver: Actor = { type: 'user', id: 'U_ALICE', email: 'alice@example.com', via: 'slack' };

afterAll(async () => {
  await store.close();
  await deleteKeys([`${prefix}*`]);
  await redis.quit();
});

function identity(): SessionIdentity {
  const n = randomUUID().slice(0, 8);
  return { sid: `sess_${n}`, organizationId: null, userId: `user_${n}`, userEmail: `${n}@example.com` };
}

function okGrant(result: TransitionResult): Grant {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
  return result.grant;
}

async function approvedBroad(
  owner: SessionIdentity,
  level: 'read' | 'write' = 'read',
  durationMs = 30 * MINUTE,
) {
  const { grant } = await store.createBroad({
    owner,
    clientName: 'claude-code',
    reason: null,
    level,
    providers: ['linear'],
    durationMs,
  });
  return okGrant(await store.approve(grant.id, approver, {}));
}

const usesOf = async (id: string) => Number(await redis.get(keys.uses(id)!));
const code = (result: UseAuthorization) => (result.ok ? 'ok' : result.code);

describe('authorizeUse', () => {
  it('authorizes the owner for a granted provider and level, counting each call', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner);
    const first = await store.authorizeUse(owner, { provider: 'linear', level: 'read' });
    expect(first).toMatchObject({ ok: true, grant: { id: grant.id, status: 'approved', uses: 1 } });
    const more = await Promise.all(
      [1, 2, 3].map(() => store.authorizeUse(owner, { provider: 'linear', level: 'read' })),
    );
    expect(more.map(code)).toEqual(['ok', 'ok', 'ok']);
    expect(await usesOf(grant.id)).toBe(4);
    expect((await store.get(grant.id))?.uses).toBe(4);
  });

  it('refuses without counting: another provider, a write under read, another user, no grant', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner);
    const otherProvider = await store.authorizeUse(owner, { provider: 'notion', level: 'read' });
    expect(otherProvider).toMatchObject({ ok: false, code: 'provider_not_granted', grant: { id: grant.id } });
    expect(code(await store.authorizeUse(owner, { provider: 'linear', level: 'write' }))).toBe(
      'write_not_granted',
    );
    const stranger = { ...owner, userId: 'user_someone_else' };
    expect(code(await store.authorizeUse(stranger, { provider: 'linear', level: 'read' }))).toBe('no_access');
    expect(code(await store.authorizeUse(identity(), { provider: 'linear', level: 'read' }))).toBe(
      'no_access',
    );
    expect(await redis.get(keys.uses(grant.id)!)).toBeNull();
  });

  it('refuses once the access time ran out, and persists the end', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner, 'write', 2 * MINUTE);
    expect(code(await store.authorizeUse(owner, { provider: 'linear', level: 'write' }))).toBe('ok');
    clock = grant.expiresAt!;
    expect(code(await store.authorizeUse(owner, { provider: 'linear', level: 'write' }))).toBe('no_access');
    expect(await store.get(grant.id)).toMatchObject({ status: 'ended', uses: 1 });
    expect((await store.getSession(owner))?.activeBroadId).toBeNull();
  });

  it('refuses after the grant was revoked', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner);
    okGrant(await store.finish(grant.id, 'revoked', approver));
    expect(code(await store.authorizeUse(owner, { provider: 'linear', level: 'read' }))).toBe('no_access');
  });
});

describe('recordOutcome', () => {
  it('adds status classes and the last time to the usage hash, written by close() at the latest', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner);
    const own = new RedisGrantStore(redis, options);
    for (const status of [200, 201, 404]) {
      await own.authorizeUse(owner, { provider: 'linear', level: 'read' });
      own.recordOutcome(grant.id, { status, at: clock + status });
    }
    await own.close();
    expect(await store.usage(grant.id)).toEqual({
      calls: 3,
      byClass: { '2xx': 2, '4xx': 1 },
      lastAt: clock + 404,
    });
  });

  it('writes on its own within a few seconds', async () => {
    clock = Date.now();
    const owner = identity();
    const grant = await approvedBroad(owner);
    await store.authorizeUse(owner, { provider: 'linear', level: 'read' });
    store.recordOutcome(grant.id, { status: 503, at: clock });
    await expect
      .poll(async () => (await store.usage(grant.id)).byClass, { timeout: 15_000 })
      .toEqual({ '5xx': 1 });
  });
});
