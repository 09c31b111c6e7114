// Extending approved access on the job queue: the new end gets its own expiry job and refresh, a second
// extension too, the maximum is never passed, and the old end's job wakes to find nothing to do.
import { afterAll, describe, expect, it } from 'vitest';
import { jobId } from '../../../src/jobs/names.js';
import {
  approvedBy,
  bob,
  closeWorlds,
  dueAt,
  expiryOf,
  openWorld,
  refreshed,
  SECOND,
  scheduledGrant,
  settled,
  stateOf,
} from './jobs-world.js';

const world = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: null, messenger: true });
afterAll(closeWorlds);

describe('extend', () => {
  it('moves the expiry to the new end and re-renders, each time; never past the maximum', async () => {
    const { id } = await scheduledGrant(world);
    const approved = await approvedBy(world, id);
    await refreshed(world, id, 'approved');
    const firstEnd = await expiryOf(world, id, 'approved');

    const once = await world.store.extend(id, bob, 10 * SECOND);
    expect(once.ok).toBe(true);
    if (!once.ok) return;
    expect(once.grant.expiresAt).toBe(approved.expiresAt! + 10 * SECOND);
    // What the relay does with the extension's event: `<id> approved <version>`.
    await world.jobs.changed(id, 'approved', once.grant.history.length);
    await settled(world, jobId.refresh(id, 'approved', once.grant.history.length));
    const secondEnd = await expiryOf(world, id, 'approved');
    expect(secondEnd).not.toBe(firstEnd);
    expect(await stateOf(world, secondEnd)).toBe('delayed');
    expect(await dueAt(world, secondEnd)).toBeGreaterThanOrEqual(once.grant.expiresAt!);

    // The world's maximum is 60 s from approval; the grant ran 40 s: asking for a minute more gives 20 s.
    const twice = await world.store.extend(id, bob, 60 * SECOND);
    expect(twice.ok).toBe(true);
    if (!twice.ok) return;
    expect(twice.grant.expiresAt).toBe(twice.grant.approvedAt! + 60 * SECOND);
    await world.jobs.changed(id, 'approved', twice.grant.history.length);
    await settled(world, jobId.refresh(id, 'approved', twice.grant.history.length));
    expect(await stateOf(world, await expiryOf(world, id, 'approved'))).toBe('delayed');
    expect(world.slack.filter((s) => s.startsWith(id))).toEqual([
      `${id} pending`,
      `${id} approved`,
      `${id} approved`,
      `${id} approved`,
    ]);

    const capped = await world.store.extend(id, bob, 10 * SECOND);
    expect(capped).toMatchObject({ ok: false, code: 'invalid' });
    if (!capped.ok && capped.code === 'invalid') expect(capped.message).toMatch(/maximum/);
  });

  it('refuses to extend what is not approved', async () => {
    const { id } = await scheduledGrant(world);
    expect(await world.store.extend(id, bob, 10 * SECOND)).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('the old end’s job, when it wakes, leaves the grant approved and keeps the new end scheduled', async () => {
    const { id } = await scheduledGrant(world);
    await approvedBy(world, id);
    const extended = await world.store.extend(id, bob, 5 * SECOND);
    if (!extended.ok) throw new Error('extend failed');
    // The old end's job fires now, as it would at the old end: nothing ends, the new end stays scheduled.
    const oldEnd = Date.now() - 1000;
    await world.jobs.expireAt(id, 'approved', oldEnd);
    await settled(world, jobId.expire(id, 'approved', oldEnd));
    expect((await world.store.get(id))?.status).toBe('approved');
    expect(await stateOf(world, jobId.expire(id, 'approved', extended.grant.expiresAt!))).toBe('delayed');
  });
});
