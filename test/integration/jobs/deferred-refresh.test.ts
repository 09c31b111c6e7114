// A refresh that Slack deferred (a 429, or our retry gate holding the call back) runs again through BullMQ's
// delayed set. Its repeat reads the message back first (a Tier 3 call, ~50 a minute) only when the deferred run
// may have sent something: a deferral before the update went out costs no read-back.
import { afterAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { jobId } from '../../../src/jobs/names.js';
import type { SyncOptions } from '../../../src/slack/messenger.js';
import { approvedBy, closeWorlds, openWorld, scheduledGrant, settled } from './jobs-world.js';

/** Per grant: how its approved refresh's runs are deferred, one per run in order, and what each run was told. */
const deferrals = new Map<string, RetryLater[]>();
const runs = new Map<string, Array<boolean | undefined>>();
const world = openWorld({
  decisionWindowMs: 60_000,
  reminderAt: null,
  messenger: true,
  beforeSync: (grant: Grant, status: string, options: SyncOptions) => {
    if (status !== 'approved') return;
    runs.set(grant.id, [...(runs.get(grant.id) ?? []), options.rerun]);
    const deferral = deferrals.get(grant.id)?.shift();
    if (deferral) throw deferral;
  },
});

afterAll(closeWorlds);

/** What each run of an approved grant's refresh was told (re-run or not), its first runs deferred so. */
async function runsDeferredBy(...deferred: RetryLater[]) {
  const grant = await scheduledGrant(world);
  deferrals.set(grant.id, deferred);
  await approvedBy(world, grant.id);
  await world.jobs.changed(grant.id, 'approved');
  await settled(world, jobId.refresh(grant.id, 'approved'));
  return runs.get(grant.id);
}

const sentNothing = () => new RetryLater(30).beforeSending();
const mayHaveSent = () => new RetryLater(30);

describe('a refresh deferred by Slack', () => {
  it('is no re-run when the deferred run sent nothing', async () => {
    expect(await runsDeferredBy(sentNothing())).toEqual([false, false]);
  });

  it('is a re-run when the deferred run may have sent something (an update before a deferred DM)', async () => {
    expect(await runsDeferredBy(mayHaveSent())).toEqual([false, true]);
  });

  it('counts only the runs that sent nothing: one that may have sent keeps every later run a re-run', async () => {
    expect(await runsDeferredBy(sentNothing(), mayHaveSent(), sentNothing())).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
