// A new request is one job: its pending refresh schedules the deadlines (once, however often Slack defers it) and
// posts the message itself, retrying while Slack fails and giving up at the decision deadline; a `deliver` job
// queued by an earlier version still posts.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { JOB, jobId } from '../../../src/jobs/names.js';
import {
  closeWorlds,
  deadlineOf,
  openWorld,
  pendingGrant,
  refreshed,
  SECOND,
  settled,
} from './jobs-world.js';

/** Grants whose Slack fails: a number counts the failures left, Infinity fails for good. */
const failing = new Map<string, number>();
/** Grants whose post Slack defers (before sending anything), and how many times more. */
const deferring = new Map<string, number>();
const failFor = (grant: Grant) => {
  const deferrals = deferring.get(grant.id);
  if (deferrals) {
    deferring.set(grant.id, deferrals - 1);
    throw new RetryLater(30).beforeSending();
  }
  const left = failing.get(grant.id);
  if (!left) return;
  failing.set(grant.id, left - 1);
  throw new Error('slack down');
};
const world = openWorld({
  decisionWindowMs: 60 * SECOND,
  reminderAt: 0.5,
  messenger: true,
  beforeSync: failFor,
});
/** Long enough for the test's first steps on a slow machine, short enough to pass within it. */
const short = openWorld({
  decisionWindowMs: 4 * SECOND,
  reminderAt: null,
  messenger: true,
  beforeSync: failFor,
});

afterAll(closeWorlds);

const postsOf = (w: typeof world, id: string) => w.slack.filter((line) => line.startsWith(id));

describe('a pending grant', () => {
  it('is posted by its refresh: the queue is given that one job and no other', async () => {
    const grant = await pendingGrant(world);
    const add = vi.spyOn(world.jobs.queue, 'add');
    try {
      await refreshed(world, grant.id, 'pending');
      expect(postsOf(world, grant.id)).toEqual([`${grant.id} pending`]);
      expect(add.mock.calls.map(([name]) => name)).toEqual([JOB.refresh]);
    } finally {
      add.mockRestore();
    }
  });

  it('has its deadlines while Slack fails, and is posted once Slack answers again', async () => {
    const grant = await pendingGrant(world);
    failing.set(grant.id, 2);
    await world.jobs.changed(grant.id, 'pending');
    await expect.poll(() => deadlineOf(world, grant.id, 'expire'), { timeout: 30_000 }).toBe(grant.decideBy);
    await settled(world, jobId.refresh(grant.id, 'pending'));
    expect(failing.get(grant.id)).toBe(0);
    expect(postsOf(world, grant.id)).toEqual([`${grant.id} pending`]);
  });

  it('has its deadlines scheduled once, however often Slack defers its post', async () => {
    const grant = await pendingGrant(world);
    deferring.set(grant.id, 3);
    const expireAt = vi.spyOn(world.jobs, 'expireAt');
    try {
      await refreshed(world, grant.id, 'pending');
      expect(deferring.get(grant.id)).toBe(0);
      expect(postsOf(world, grant.id)).toEqual([`${grant.id} pending`]);
      expect(expireAt.mock.calls.filter(([id]) => id === grant.id)).toEqual([[grant.id, grant.decideBy]]);
    } finally {
      expireAt.mockRestore();
    }
  });

  it('is not posted after its decision deadline: the refresh stops retrying then', async () => {
    const grant = await pendingGrant(short);
    failing.set(grant.id, Number.POSITIVE_INFINITY);
    await short.jobs.changed(grant.id, 'pending');
    await settled(short, jobId.refresh(grant.id, 'pending'), 'completed', 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(grant.decideBy);
    expect(postsOf(short, grant.id)).toEqual([]);
  }, 90_000);

  it('queued as a `deliver` job by an earlier version is still posted', async () => {
    const grant = await pendingGrant(world);
    await world.jobs.queue.add(JOB.deliver, { grantId: grant.id }, { jobId: `deliver_${grant.id}` });
    await settled(world, `deliver_${grant.id}`);
    expect(postsOf(world, grant.id)).toEqual([`${grant.id} pending`]);
  });
});
