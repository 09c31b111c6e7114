// At-least-once sweeps with exactly-once effects, on real Redis: the sweep and handlers are called directly (no
// worker, no timer), as a worker that died mid-sweep and the one that takes its lapsed leases would call them.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../src/audit/audit-log.js';
import { RedisGrantStore } from '../../../src/grants/redis-store.js';
import type { Grant } from '../../../src/grants/types.js';
import { GrantJobs } from '../../../src/jobs/grant-jobs.js';
import { grantJobHandlers, type JobDeps } from '../../../src/jobs/handlers.js';
import { JOB, jobId } from '../../../src/jobs/names.js';
import { LEASE_MS, sweepDeadlines } from '../../../src/jobs/sweep.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { SlackMessenger } from '../../../src/slack/messenger.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-sweep-${randomBytes(6).toString('hex')}`;
const HOUR = 3_600_000;
const redis = testRedis();
const jobConnection = testRedis({ maxRetriesPerRequest: null });
const store = new RedisGrantStore(redis, {
  prefix: `${RUN}:`,
  retentionMs: HOUR,
  sessionTtlMs: HOUR,
  // Passed by the time a test looks: the grants below are overdue from the start.
  decisionWindowMs: 20,
  maxAccessMs: HOUR,
  requestAccessMs: HOUR,
});
/** Pending for the whole test: for the reminder. */
const slowStore = new RedisGrantStore(redis, {
  prefix: `${RUN}:`,
  retentionMs: HOUR,
  sessionTtlMs: HOUR,
  decisionWindowMs: HOUR,
  maxAccessMs: HOUR,
  requestAccessMs: HOUR,
});
// No worker: the queue only collects what the handlers enqueue.
const jobs = new GrantJobs({
  connection: jobConnection,
  prefix: `{${RUN}-jobs}`,
  logger: createLogger('silent'),
});
const audit: AuditEvent[] = [];
const slack: string[] = [];
let clock = Date.now();
const recording = {
  sync: async (grant: Grant, status: string) => void slack.push(`${grant.id} ${status}`),
  remind: async (grant: Grant) => void slack.push(`${grant.id} remind`),
} as unknown as SlackMessenger;
const depsOn = (on: RedisGrantStore, messenger = recording): JobDeps => ({
  store: on,
  jobs,
  audit: { record: (event) => void audit.push(event) },
  messenger,
  reminderAt: 0.5,
  now: () => clock,
});
const deps = depsOn(store);
const handlers = grantJobHandlers(deps);

afterAll(async () => {
  await jobs.close();
  await store.close();
  await slowStore.close();
  await deleteKeys([`${RUN}*`, `{${RUN}*`]);
  await jobConnection.quit();
  await redis.quit();
});

let sessions = 0;
async function newGrant(on: RedisGrantStore): Promise<Grant> {
  sessions += 1;
  const { grant } = await on.createBroad({
    owner: { sid: `s${sessions}`, organizationId: 'org_1', userId: `u${sessions}`, userEmail: 'a@x.io' },
    clientName: 'claude-code',
    reason: 'triage',
    level: 'write',
    providers: ['linear'],
    durationMs: HOUR,
  });
  return grant;
}

async function overdueGrant(): Promise<Grant> {
  const grant = await newGrant(store);
  await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(grant.decideBy), { timeout: 5000 });
  clock = Date.now();
  return grant;
}

const events = (id: string, type: string) => audit.filter((e) => e.grantId === id && e.type === type);

describe('the sweep after a crash', () => {
  it('takes the dead holder’s lapsed claim, expires the grant, audits once and enqueues the refresh', async () => {
    const grant = await overdueGrant();
    await jobs.expireAt(grant.id, grant.decideBy);
    // A worker claims it and dies before handling it.
    expect(await jobs.deadlines.claimDue(clock, 10, LEASE_MS)).toHaveLength(1);
    await sweepDeadlines(deps);
    expect(events(grant.id, 'grant.expired')).toHaveLength(0);

    clock += LEASE_MS;
    await sweepDeadlines(deps);
    expect((await store.get(grant.id))?.status).toBe('expired');
    expect(events(grant.id, 'grant.expired')).toHaveLength(1);
    expect(await jobs.queue.getJob(jobId.refresh(grant.id, 'expired'))).toBeDefined();
    expect(await jobs.deadlines.leasedUntil('expire', grant.id)).toBeNull();
  });

  it('a handler that ran but died before completing runs again without a second audit line or render', async () => {
    const grant = await overdueGrant();
    await jobs.expireAt(grant.id, grant.decideBy);
    await sweepDeadlines(deps);
    // The refresh runs (the relay's job), then the same work is delivered again: the deadline re-taken after a
    // lapsed lease, the refresh job run again after a stall.
    await handlers[JOB.refresh]({ grantId: grant.id, status: 'expired' });
    await jobs.expireAt(grant.id, grant.decideBy);
    await sweepDeadlines(deps);
    await handlers[JOB.refresh]({ grantId: grant.id, status: 'expired' });
    expect(events(grant.id, 'grant.expired')).toHaveLength(1);
    expect(slack.filter((s) => s === `${grant.id} expired`)).toHaveLength(1);
  });

  it('the refresh audits a transition the sweep never saw, once', async () => {
    const grant = await overdueGrant();
    // Someone read it (the clock applied on read): the relay's refresh is the first job to see it.
    expect((await store.get(grant.id))?.status).toBe('expired');
    await handlers[JOB.refresh]({ grantId: grant.id, status: 'expired' });
    await jobs.expireAt(grant.id, grant.decideBy);
    await sweepDeadlines(deps);
    expect(events(grant.id, 'grant.expired')).toHaveLength(1);
  });

  it('reminds once however often the reminder deadline is handled', async () => {
    const grant = await newGrant(slowStore);
    const sweep = () => sweepDeadlines(depsOn(slowStore));
    await jobs.remindAt(grant.id, clock - 1);
    await sweep();
    await jobs.remindAt(grant.id, clock - 1);
    await sweep();
    expect(slack.filter((s) => s === `${grant.id} remind`)).toHaveLength(1);
  });

  it('a failing reminder is given back, and sent by the retry', async () => {
    const grant = await newGrant(slowStore);
    let down = true;
    const flaky = {
      remind: async (g: Grant) => {
        if (down) throw new Error('Slack is down');
        slack.push(`${g.id} remind`);
      },
    } as unknown as SlackMessenger;
    const sweep = () => sweepDeadlines(depsOn(slowStore, flaky));
    await jobs.remindAt(grant.id, clock - 1);
    await expect(sweep()).rejects.toThrow('Slack is down');
    expect(await jobs.deadlines.at('remind', grant.id)).toBeGreaterThan(clock);
    expect(await jobs.deadlines.leasedUntil('remind', grant.id)).toBeNull();
    down = false;
    clock += 60_000;
    await sweep();
    expect(slack.filter((s) => s === `${grant.id} remind`)).toHaveLength(1);
  });
});

describe('the refresh job run again', () => {
  it('asks the messenger to read the message back only on a re-run (after a stall or a failed attempt)', async () => {
    const grant = await overdueGrant();
    expect((await store.get(grant.id))?.status).toBe('expired');
    const seen: Array<boolean | undefined> = [];
    const reading = {
      sync: async (_g: Grant, _s: string, options?: { rerun?: boolean }) => void seen.push(options?.rerun),
    } as unknown as SlackMessenger;
    const refresh = grantJobHandlers(depsOn(store, reading))[JOB.refresh];
    const other = await overdueGrant();
    await refresh(
      { grantId: grant.id, status: 'expired' },
      { attemptsMade: 0, attemptsStarted: 1, stalledCounter: 0 },
    );
    await refresh(
      { grantId: other.id, status: 'expired' },
      { attemptsMade: 0, attemptsStarted: 2, stalledCounter: 1 },
    );
    expect(seen).toEqual([false, true]);
  });
});
