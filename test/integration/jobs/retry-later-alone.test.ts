// A job that meets Slack's Retry-After waits alone: the gate is per method (per channel for posts and updates),
// so one job's 429 must not pause the queue for the others, and the wait spends no attempt.
import { afterAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { jobId } from '../../../src/jobs/names.js';
import { closeWorlds, openWorld, pendingGrant, SECOND, scheduledGrant, settled } from './jobs-world.js';

/** Grants whose post meets a long Retry-After (longer than the other grant's whole test may take). */
const limited = new Set<string>();
const world = openWorld({
  decisionWindowMs: 60 * SECOND,
  reminderAt: null,
  messenger: true,
  beforeSync: (grant: Grant) => {
    if (limited.has(grant.id)) throw new RetryLater(120 * SECOND);
  },
});

afterAll(closeWorlds);

describe('a job inside a Retry-After window', () => {
  it('is delayed on its own, without an attempt spent, while the other jobs run', async () => {
    const held = await pendingGrant(world);
    limited.add(held.id);
    await world.jobs.changed(held.id, 'pending');
    await settled(world, jobId.refresh(held.id, 'pending'), 'delayed');

    // Another grant's post goes out at once (within settled's deadline, far inside the 120 s window).
    const other = await scheduledGrant(world);
    expect(world.slack).toContain(`${other.id} pending`);

    const job = await world.jobs.queue.getJob(jobId.refresh(held.id, 'pending'));
    expect(job?.attemptsMade).toBe(0);
    expect(await job?.getState()).toBe('delayed');
    expect(job!.delay + job!.timestamp).toBeGreaterThan(Date.now() + 60 * SECOND);
    expect(world.slack.filter((line) => line.startsWith(held.id))).toEqual([]);
  });
});
