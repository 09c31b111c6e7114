// Extending approved access on the job queue: the one expire deadline moves to the new end, each extension
// re-renders, the maximum is never passed, and the grant only ends at its latest end.
import { afterAll, describe, expect, it } from 'vitest';
import { jobId } from '../../../src/jobs/names.js';
import {
  approvedBy,
  bob,
  closeWorlds,
  deadlineOf,
  openWorld,
  refreshed,
  SECOND,
  scheduledGrant,
  settled,
} from './jobs-world.js';

const world = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: null, messenger: true });
afterAll(closeWorlds);

describe('extend', () => {
  it('moves the expiry to the new end and re-renders, each time; never past the maximum', async () => {
    const { id } = await scheduledGrant(world);
    const approved = await approvedBy(world, id);
    await refreshed(world, id, 'approved');
    expect(await deadlineOf(world, id, 'expire')).toBe(approved.expiresAt);

    const once = await world.store.extend(id, bob, approved.expiresAt! + 10 * SECOND);
    expect(once.ok).toBe(true);
    if (!once.ok) return;
    expect(once.grant.expiresAt).toBe(approved.expiresAt! + 10 * SECOND);
    // What the relay does with the extension's event: `<id> approved <version>`.
    await world.jobs.changed(id, 'approved', once.grant.history.length);
    await settled(world, jobId.refresh(id, 'approved', once.grant.history.length));
    expect(await deadlineOf(world, id, 'expire')).toBe(once.grant.expiresAt);

    // The world's maximum is 60 s from approval; the grant ran 40 s: asking for a minute more gives 20 s.
    const twice = await world.store.extend(id, bob, once.grant.expiresAt! + 60 * SECOND);
    expect(twice.ok).toBe(true);
    if (!twice.ok) return;
    expect(twice.grant.expiresAt).toBe(twice.grant.approvedAt! + 60 * SECOND);
    await world.jobs.changed(id, 'approved', twice.grant.history.length);
    await settled(world, jobId.refresh(id, 'approved', twice.grant.history.length));
    expect(await deadlineOf(world, id, 'expire')).toBe(twice.grant.expiresAt);
    expect(world.slack.filter((s) => s.startsWith(id))).toEqual([
      `${id} pending`,
      `${id} approved`,
      `${id} approved`,
      `${id} approved`,
    ]);

    const capped = await world.store.extend(id, bob, twice.grant.expiresAt! + 10 * SECOND);
    expect(capped).toMatchObject({ ok: false, code: 'invalid' });
    if (!capped.ok && capped.code === 'invalid') expect(capped.message).toMatch(/maximum/);
  });

  it('refuses to extend what is not approved', async () => {
    const { id } = await scheduledGrant(world);
    expect(await world.store.extend(id, bob, Date.now() + 10 * SECOND)).toMatchObject({
      ok: false,
      code: 'conflict',
    });
  });

  it('a sweep at the old end (its event missed) leaves the grant approved and wakes again at the new end', async () => {
    const { id } = await scheduledGrant(world);
    const approved = await approvedBy(world, id);
    const extended = await world.store.extend(id, bob, approved.expiresAt! + 5 * SECOND);
    if (!extended.ok) throw new Error('extend failed');
    // Nobody relayed the extension, so the deadline still says the old end; make it due now.
    await world.jobs.expireAt(id, Date.now() - 1000);
    await expect
      .poll(() => deadlineOf(world, id, 'expire'), { timeout: 30_000 })
      .toBe(extended.grant.expiresAt);
    expect((await world.store.get(id))?.status).toBe('approved');
  });
});
