// The grant jobs on real Redis and BullMQ, with a real RedisGrantStore and no event relay: deadlines are
// scheduled and cancelled as the grant moves, the expire job applies the clock, a missed event is recovered at
// the next deadline, and deterministic ids make duplicate enqueues run once.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { JOB, jobId } from '../../../src/jobs/names.js';
import {
  approvedBy,
  assistant,
  closeWorlds,
  deadlineOf,
  HOUR,
  openWorld,
  pendingGrant,
  refreshed,
  SECOND,
  sameQueueElsewhere,
  scheduledGrant,
  settled,
  stateOf,
} from './jobs-world.js';

const withSlack = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: 0.5, messenger: true });
const noReminders = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: null, messenger: true });
const noSlack = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: 0.5, messenger: false });
/**
 * A short decision window: its pending expiry runs within the test, yet leaves the test's own steps (post,
 * approve) time to happen before it on a 4x slower machine.
 */
const fast = openWorld({ decisionWindowMs: 5 * SECOND, reminderAt: null, messenger: true });

afterAll(closeWorlds);

describe('refresh of a pending grant', () => {
  it('schedules the pending expiry at decideBy and the reminder half way through the window', async () => {
    const grant = await scheduledGrant(withSlack);
    const { id } = grant;

    expect(await deadlineOf(withSlack, id, 'expire')).toBe(grant.decideBy);
    const halfWay = grant.createdAt + (grant.decideBy - grant.createdAt) / 2;
    expect(await deadlineOf(withSlack, id, 'remind')).toBe(halfWay);

    // The pending refresh posts the message itself, once.
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([`${id} pending`]);
  });

  it('schedules no reminder when reminderAt is null', async () => {
    const { id } = await scheduledGrant(noReminders);
    expect(await deadlineOf(noReminders, id, 'expire')).not.toBeNull();
    expect(await deadlineOf(noReminders, id, 'remind')).toBeNull();
  });

  it('schedules no reminder without a messenger (reminders are Slack pings), but still the expiry', async () => {
    const { id } = await scheduledGrant(noSlack);
    expect(await deadlineOf(noSlack, id, 'expire')).not.toBeNull();
    expect(await deadlineOf(noSlack, id, 'remind')).toBeNull();
  });
});

describe('refresh after a decision', () => {
  it('approved: drops the pending expiry and the reminder, schedules the approved expiry at expiresAt', async () => {
    const { id } = await scheduledGrant(withSlack);
    expect(await deadlineOf(withSlack, id, 'remind')).not.toBeNull();
    const approved = await approvedBy(withSlack, id);
    expect(approved.expiresAt).not.toBeNull();

    await refreshed(withSlack, id, 'approved');
    expect(await deadlineOf(withSlack, id, 'remind')).toBeNull();
    // The one expire deadline moved from decideBy to the end of access.
    expect(await deadlineOf(withSlack, id, 'expire')).toBe(approved.expiresAt);
    expect(withSlack.slack).toContain(`${id} approved`);
  });

  it('a final status (released) drops the approved expiry; a released grant is not a system event', async () => {
    const { id } = await scheduledGrant(withSlack);
    await approvedBy(withSlack, id);
    await refreshed(withSlack, id, 'approved');
    expect(await deadlineOf(withSlack, id, 'expire')).not.toBeNull();

    const released = await withSlack.store.finish(id, 'released', assistant, 'done');
    expect(released.ok).toBe(true);
    await refreshed(withSlack, id, 'released');
    expect(await deadlineOf(withSlack, id, 'expire')).toBeNull();
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([
      `${id} pending`,
      `${id} approved`,
      `${id} released`,
    ]);
    // The person or assistant who released it was audited by their own request, not by the job.
    expect(withSlack.audit.filter((e) => e.grantId === id)).toEqual([]);
  });
});

describe('a burst of changes', () => {
  it('renders once, for the latest status: the refresh for a status already left only schedules', async () => {
    const { id } = await scheduledGrant(withSlack);
    await approvedBy(withSlack, id);
    expect((await withSlack.store.finish(id, 'released', assistant, 'done')).ok).toBe(true);
    // The relay delivers both events after the fact, as it does under load.
    await refreshed(withSlack, id, 'approved');
    await refreshed(withSlack, id, 'released');
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([`${id} pending`, `${id} released`]);
  });
});

describe('the expire job', () => {
  it('applies the clock at decideBy: pending → expired, audited exactly once however often it is relayed', async () => {
    const { id } = await scheduledGrant(fast);
    expect(fast.audit.filter((e) => e.grantId === id)).toEqual([]);

    // Nobody relays the `expired` event: the expire job itself enqueues the refresh that audits it.
    await settled(fast, jobId.refresh(id, 'expired'));
    expect((await fast.store.get(id))?.status).toBe('expired');
    const expiredEvents = () => fast.audit.filter((e) => e.grantId === id && e.type === 'grant.expired');
    expect(expiredEvents()).toHaveLength(1);
    expect(expiredEvents()[0]).toMatchObject({
      actor: { type: 'system', id: 'decision-window', via: 'system' },
      providers: ['linear', 'notion'],
    });

    // Two more relays of the same event (another instance, a late subscriber): the same id, no new run.
    await Promise.all([fast.jobs.changed(id, 'expired'), sameQueueElsewhere(fast).changed(id, 'expired')]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(expiredEvents()).toHaveLength(1);
    expect(await fast.jobs.queue.getJob(jobId.refresh(id, 'expired'))).toBeUndefined();
    expect(fast.slack.filter((s) => s === `${id} expired`)).toHaveLength(1);
  });

  it('is the backstop for a missed event: an approval nobody relayed is refreshed at the pending deadline', async () => {
    const grant = await scheduledGrant(fast);
    const { id } = grant;
    const approved = await approvedBy(fast, id);
    // No relay: the approval's event was missed, so nothing has refreshed it yet.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await stateOf(fast, jobId.refresh(id, 'approved'))).toBe('unknown');
    expect(fast.slack).not.toContain(`${id} approved`);
    expect(Date.now()).toBeLessThan(grant.decideBy);

    // At decideBy the pending expiry runs, finds the grant approved, and enqueues the missed refresh.
    await settled(fast, jobId.refresh(id, 'approved'));
    expect(Date.now()).toBeGreaterThanOrEqual(grant.decideBy);
    expect((await fast.store.get(id))?.status).toBe('approved');
    expect(fast.slack).toContain(`${id} approved`);
    expect(await deadlineOf(fast, id, 'expire')).toBe(approved.expiresAt);
    // An approval is not a system transition: nothing audited by the job.
    expect(fast.audit.filter((e) => e.grantId === id)).toEqual([]);
  });
});

describe('duplicates', () => {
  it('many concurrent changed() calls from two instances for one (grant, status) make one job that runs once', async () => {
    const { id } = await pendingGrant(withSlack);
    const elsewhere = sameQueueElsewhere(withSlack);
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? withSlack.jobs : elsewhere).changed(id, 'pending')),
    );
    // The refresh posts the message, then finishes: wait for it to be done, not just for the post.
    await settled(withSlack, jobId.refresh(id, 'pending'));
    expect(withSlack.slack).toContain(`${id} pending`);

    // Nothing of it is left in the queue: the one refresh ran and was removed; what remains is its two
    // deadlines.
    const all = await withSlack.jobs.queue.getJobs(['failed', 'active', 'waiting', 'delayed', 'prioritized']);
    expect(all.filter((job) => job.data?.grantId === id)).toEqual([]);
    expect(await deadlineOf(withSlack, id, 'expire')).not.toBeNull();
    expect(await deadlineOf(withSlack, id, 'remind')).not.toBeNull();
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([`${id} pending`]);
  });
});

describe('usage re-render', () => {
  it('calls arriving together enqueue one job per grant and window, and a failed enqueue is tried again', async () => {
    const { jobs } = noSlack;
    const add = vi.spyOn(jobs as unknown as { add: (...args: unknown[]) => Promise<void> }, 'add');
    try {
      await Promise.all(Array.from({ length: 10 }, () => jobs.usage('grant-usage-a', HOUR)));
      expect(add.mock.calls.filter(([name]) => name === JOB.usage)).toHaveLength(1);

      add.mockClear();
      add.mockRejectedValueOnce(new Error('Redis is away'));
      await expect(jobs.usage('grant-usage-b', HOUR)).rejects.toThrow('Redis is away');
      await jobs.usage('grant-usage-b', HOUR);
      expect(add.mock.calls.filter(([name]) => name === JOB.usage)).toHaveLength(2);
    } finally {
      add.mockRestore();
    }
  });
});
