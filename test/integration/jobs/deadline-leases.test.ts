// Leased deadline claims on real Redis: taken, completed, given back, taken again once a lease lapses; moves and
// cancels while in flight; racing sweepers. Times are explicit (no clock waits), so nothing here is timing-bound.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Deadlines } from '../../../src/jobs/deadlines.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `{cs-it-leases-${randomBytes(6).toString('hex')}}`;
const redis = testRedis();
let n = 0;
/** A fresh pair of sorted sets per test, under one hash tag like the queue's. */
const fresh = () => new Deadlines(redis, `${RUN}:${++n}:deadlines`);

const NOW = 1_700_000_000_000;
const LEASE = 30_000;

afterAll(async () => {
  await deleteKeys([`${RUN}*`]);
  await redis.quit();
});

describe('leased deadline claims', () => {
  it('takes only passed deadlines, holds them in flight until completed, and never hands them out twice', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    await deadlines.schedule('remind', 'g1', NOW - 5);
    await deadlines.schedule('expire', 'g2', NOW + 3_600_000);

    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    expect(taken).toEqual([
      { kind: 'expire', grantId: 'g1' },
      { kind: 'remind', grantId: 'g1' },
    ]);
    expect(await deadlines.at('expire', 'g1')).toBeNull();
    expect(await deadlines.leasedUntil('expire', 'g1')).toBe(NOW + LEASE);
    // Leased, not lost: a second sweep meanwhile gets nothing.
    expect(await deadlines.claimDue(NOW + 1000, 10, LEASE)).toEqual([]);

    await deadlines.complete(taken[0]!);
    await deadlines.complete(taken[1]!);
    expect(await deadlines.leasedUntil('expire', 'g1')).toBeNull();
    // Completed: gone for good, even long after the lease would have lapsed.
    expect(await deadlines.claimDue(NOW + 10 * LEASE, 10, LEASE)).toEqual([]);
    expect(await deadlines.at('expire', 'g2')).toBe(NOW + 3_600_000);
  });

  it('takes a deadline again once its holder let the lease lapse (a worker that died mid-sweep)', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    expect(await deadlines.claimDue(NOW, 10, LEASE)).toHaveLength(1);
    // The holder dies: no completion, no renewal.
    expect(await deadlines.claimDue(NOW + LEASE - 1, 10, LEASE)).toEqual([]);
    const again = await deadlines.claimDue(NOW + LEASE, 10, LEASE);
    expect(again).toEqual([{ kind: 'expire', grantId: 'g1' }]);
    expect(await deadlines.leasedUntil('expire', 'g1')).toBe(NOW + 2 * LEASE);
    await deadlines.complete(again[0]!);
    expect(await deadlines.claimDue(NOW + 10 * LEASE, 10, LEASE)).toEqual([]);
  });

  it('a renewed lease holds past its first end; renewing a completed one does not bring it back', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    const [taken] = await deadlines.claimDue(NOW, 10, LEASE);
    await deadlines.renew([taken!], NOW + 2 * LEASE);
    expect(await deadlines.claimDue(NOW + LEASE, 10, LEASE)).toEqual([]);
    await deadlines.complete(taken!);
    await deadlines.renew([taken!], NOW + 3 * LEASE);
    expect(await deadlines.leasedUntil('expire', 'g1')).toBeNull();
  });

  it('gives a failed deadline back for a retry', async () => {
    const deadlines = fresh();
    await deadlines.schedule('remind', 'g1', NOW - 10);
    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    expect(await deadlines.giveBack(taken, NOW + 1000)).toBe(1);
    expect(await deadlines.leasedUntil('remind', 'g1')).toBeNull();
    expect(await deadlines.at('remind', 'g1')).toBe(NOW + 1000);
    expect(await deadlines.claimDue(NOW + 999, 10, LEASE)).toEqual([]);
    expect(await deadlines.claimDue(NOW + 1000, 10, LEASE)).toEqual(taken);
  });

  it('a deadline moved while in flight (an extension) survives the completion of the old claim', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    await deadlines.schedule('expire', 'g1', NOW + 3_600_000);
    await deadlines.complete(taken[0]!);
    expect(await deadlines.at('expire', 'g1')).toBe(NOW + 3_600_000);
    expect(await deadlines.claimDue(NOW + 3_600_000, 10, LEASE)).toEqual(taken);
  });

  it('a deadline moved while in flight keeps its new time when the old claim is given back', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    await deadlines.schedule('expire', 'g1', NOW + 3_600_000);
    await deadlines.giveBack(taken, NOW + 1000);
    expect(await deadlines.at('expire', 'g1')).toBe(NOW + 3_600_000);
  });

  it('a deadline moved to a passed time while in flight waits for the live claim instead of sharing it', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    await deadlines.schedule('expire', 'g1', NOW - 1);
    expect(await deadlines.claimDue(NOW + 1, 10, LEASE)).toEqual([]);
    await deadlines.complete(taken[0]!);
    expect(await deadlines.claimDue(NOW + 2, 10, LEASE)).toEqual(taken);
  });

  it('a cancel while in flight drops the lease too: completing or giving back then does nothing', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'g1', NOW - 10);
    await deadlines.schedule('remind', 'g1', NOW - 10);
    const taken = await deadlines.claimDue(NOW, 10, LEASE);
    expect(taken).toHaveLength(2);
    await deadlines.cancel('g1');
    expect(await deadlines.leasedUntil('expire', 'g1')).toBeNull();
    await deadlines.complete(taken[0]!);
    expect(await deadlines.giveBack([taken[1]!], NOW + 1000)).toBe(0);
    expect(await deadlines.at('remind', 'g1')).toBeNull();
    // Nothing to take again, even after the lease would have lapsed.
    expect(await deadlines.claimDue(NOW + 10 * LEASE, 10, LEASE)).toEqual([]);
  });

  it('takes at most `limit`, lapsed leases first, and the rest in later rounds', async () => {
    const deadlines = fresh();
    await deadlines.schedule('expire', 'old', NOW - 10);
    await deadlines.claimDue(NOW, 1, LEASE);
    for (let i = 0; i < 5; i++) await deadlines.schedule('expire', `g${i}`, NOW + i);
    const later = NOW + LEASE;
    const first = await deadlines.claimDue(later, 3, LEASE);
    expect(first.map((d) => d.grantId)).toEqual(['old', 'g0', 'g1']);
    const second = await deadlines.claimDue(later, 3, LEASE);
    expect(second.map((d) => d.grantId)).toEqual(['g2', 'g3', 'g4']);
  });

  it('racing sweepers (separate connections) never both take a live claim', async () => {
    const deadlines = fresh();
    const grants = Array.from({ length: 300 }, (_, i) => `g${i}`);
    for (const id of grants) await deadlines.schedule('expire', id, NOW - 1);
    const sweepers = Array.from({ length: 4 }, () => testRedis());
    try {
      const views = sweepers.map((connection) => new Deadlines(connection, deadlines.key));
      const rounds = await Promise.all(
        views.map(async (view) => {
          const mine: string[] = [];
          for (;;) {
            const taken = await view.claimDue(NOW, 7, LEASE);
            if (taken.length === 0) return mine;
            mine.push(...taken.map((d) => d.grantId));
          }
        }),
      );
      const all = rounds.flat();
      expect([...all].sort()).toEqual([...grants].sort());
      expect(new Set(all).size).toBe(all.length);
      // Every sweeper got a share, so they did race.
      expect(rounds.filter((r) => r.length > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(sweepers.map((s) => s.quit()));
    }
  });
});
