// The grant jobs on real Redis and BullMQ, with a real RedisGrantStore and no event relay: deadlines are
// scheduled and cancelled as the grant moves, the expire job applies the clock, a missed event is recovered at
// the next deadline, and deterministic ids make duplicate enqueues run once.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../src/audit/audit-log.js';
import { RedisGrantStore } from '../../../src/grants/redis-store.js';
import type { Actor, Grant } from '../../../src/grants/types.js';
import { GrantJobs } from '../../../src/jobs/grant-jobs.js';
import { grantJobHandlers } from '../../../src/jobs/handlers.js';
import { jobId } from '../../../src/jobs/names.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { SlackMessenger } from '../../../src/slack/messenger.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-jobs-${randomBytes(6).toString('hex')}`;
const SECOND = 1000;
const HOUR = 3600 * SECOND;
/** delayUntil() schedules a deadline this long after it, so the clock has surely passed it. */
const AFTER_DEADLINE_MS = 50;

const logger = createLogger('silent');
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
// BullMQ's connection must never give up on a command (as in src/start.ts).
const jobConnection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });

const bob: Actor = { type: 'user', id: 'U0BOB', email: 'bob@example.com', name: 'Bob', via: 'slack' };
const assistant: Actor = { type: 'assistant', id: 'claude-code', via: 'mcp' };

interface World {
  store: RedisGrantStore;
  jobs: GrantJobs;
  /** What the recording audit sink received. */
  audit: AuditEvent[];
  /** `<grantId> <status>` per messenger.sync and `<grantId> remind` per messenger.remind (when there is one). */
  slack: string[];
}

const worlds: World[] = [];
const extraQueues: GrantJobs[] = [];

/** A store with its own key prefix and a GrantJobs (own BullMQ prefix) whose worker runs the real handlers. */
function openWorld(options: { decisionWindowMs: number; reminderAt: number | null; messenger: boolean }) {
  const n = worlds.length + 1;
  const store = new RedisGrantStore(redis, {
    prefix: `${RUN}-${n}:`,
    retentionMs: HOUR,
    sessionTtlMs: HOUR,
    decisionWindowMs: options.decisionWindowMs,
    maxAccessMs: 60 * SECOND,
    requestAccessMs: 30 * SECOND,
  });
  const jobs = new GrantJobs({ connection: jobConnection, prefix: `{${RUN}-${n}-jobs}`, logger });
  const world: World = { store, jobs, audit: [], slack: [] };
  const messenger = {
    sync: async (grant: Grant, status: string) => void world.slack.push(`${grant.id} ${status}`),
    remind: async (grant: Grant) => void world.slack.push(`${grant.id} remind`),
  } as unknown as SlackMessenger;
  jobs.start(
    grantJobHandlers({
      store,
      jobs,
      audit: { record: (event) => void world.audit.push(event) },
      messenger: options.messenger ? messenger : null,
      reminderAt: options.reminderAt,
      now: Date.now,
    }),
  );
  worlds.push(world);
  return world;
}

/** A second instance's queue on the same BullMQ prefix (no worker): it only enqueues. */
function sameQueueElsewhere(world: World): GrantJobs {
  const other = new GrantJobs({ connection: jobConnection, prefix: world.jobs.queue.opts.prefix!, logger });
  extraQueues.push(other);
  return other;
}

const withSlack = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: 0.5, messenger: true });
const noReminders = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: null, messenger: true });
const noSlack = openWorld({ decisionWindowMs: 60 * SECOND, reminderAt: 0.5, messenger: false });
/** A one-second decision window: its pending expiry runs within the test. */
const fast = openWorld({ decisionWindowMs: SECOND, reminderAt: null, messenger: true });

afterAll(async () => {
  await Promise.all([...worlds.map((w) => w.jobs.close()), ...extraQueues.map((q) => q.close())]);
  await Promise.all(worlds.map((w) => w.store.close()));
  await deleteKeys([`${RUN}-*`, `{${RUN}-*`]);
  await jobConnection.quit();
  await redis.quit();
});

let sessions = 0;
async function pendingGrant(world: World): Promise<Grant> {
  sessions += 1;
  const { grant } = await world.store.createBroad({
    owner: {
      sid: `sess_${sessions}`,
      organizationId: 'org_1',
      userId: `user_${sessions}`,
      userEmail: 'a@x.io',
    },
    clientName: 'claude-code',
    reason: 'triage the backlog',
    level: 'write',
    providers: ['linear', 'notion'],
    durationMs: 30 * SECOND,
  });
  return grant;
}

const stateOf = (world: World, id: string) => world.jobs.queue.getJobState(id);

async function settled(world: World, id: string, state = 'completed', timeout = 5000) {
  await vi.waitFor(async () => expect(await stateOf(world, id)).toBe(state), { timeout, interval: 20 });
}

/** When a delayed job becomes due (epoch ms). */
async function dueAt(world: World, id: string): Promise<number> {
  const job = await world.jobs.queue.getJob(id);
  if (!job) throw new Error(`no job ${id}`);
  return job.timestamp + job.delay;
}

/** `changed(id, status)` as the relay would call it, waiting until that refresh has run. */
async function refreshed(world: World, id: string, status: string) {
  await world.jobs.changed(id, status);
  await settled(world, jobId.refresh(id, status));
}

/** A pending grant whose `pending` refresh (the one the relay would have enqueued) and post have run. */
async function scheduledGrant(world: World): Promise<Grant> {
  const grant = await pendingGrant(world);
  await refreshed(world, grant.id, 'pending');
  await settled(world, jobId.deliver(grant.id));
  return grant;
}

const approvedBy = async (world: World, id: string) => {
  const result = await world.store.approve(id, bob, {});
  if (!result.ok) throw new Error(`approve failed: ${result.code}`);
  return result.grant;
};

describe('refresh of a pending grant', () => {
  it('schedules the pending expiry at decideBy and the reminder half way through the window', async () => {
    const grant = await scheduledGrant(withSlack);
    const { id } = grant;

    expect(await stateOf(withSlack, jobId.expire(id, 'pending'))).toBe('delayed');
    const expiry = await dueAt(withSlack, jobId.expire(id, 'pending'));
    expect(expiry).toBeGreaterThanOrEqual(grant.decideBy + AFTER_DEADLINE_MS);
    expect(expiry).toBeLessThan(grant.decideBy + AFTER_DEADLINE_MS + 500);

    expect(await stateOf(withSlack, jobId.remind(id))).toBe('delayed');
    const halfWay = grant.createdAt + (grant.decideBy - grant.createdAt) / 2;
    const remind = await dueAt(withSlack, jobId.remind(id));
    expect(remind).toBeGreaterThanOrEqual(halfWay + AFTER_DEADLINE_MS);
    expect(remind).toBeLessThan(halfWay + AFTER_DEADLINE_MS + 500);

    // The pending refresh hands the post to the deliver job, which renders it once.
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([`${id} pending`]);
  });

  it('schedules no reminder when reminderAt is null', async () => {
    const { id } = await scheduledGrant(noReminders);
    expect(await stateOf(noReminders, jobId.expire(id, 'pending'))).toBe('delayed');
    expect(await stateOf(noReminders, jobId.remind(id))).toBe('unknown');
  });

  it('schedules no reminder without a messenger (reminders are Slack pings), but still the expiry', async () => {
    const { id } = await scheduledGrant(noSlack);
    expect(await stateOf(noSlack, jobId.expire(id, 'pending'))).toBe('delayed');
    expect(await stateOf(noSlack, jobId.remind(id))).toBe('unknown');
  });
});

describe('refresh after a decision', () => {
  it('approved: drops the pending expiry and the reminder, schedules the approved expiry at expiresAt', async () => {
    const { id } = await scheduledGrant(withSlack);
    expect(await stateOf(withSlack, jobId.remind(id))).toBe('delayed');
    const approved = await approvedBy(withSlack, id);
    expect(approved.expiresAt).not.toBeNull();

    await refreshed(withSlack, id, 'approved');
    expect(await stateOf(withSlack, jobId.expire(id, 'pending'))).toBe('unknown');
    expect(await stateOf(withSlack, jobId.remind(id))).toBe('unknown');
    expect(await stateOf(withSlack, jobId.expire(id, 'approved'))).toBe('delayed');
    const expiry = await dueAt(withSlack, jobId.expire(id, 'approved'));
    expect(expiry).toBeGreaterThanOrEqual(approved.expiresAt! + AFTER_DEADLINE_MS);
    expect(expiry).toBeLessThan(approved.expiresAt! + AFTER_DEADLINE_MS + 500);
    expect(withSlack.slack).toContain(`${id} approved`);
  });

  it('a final status (released) drops the approved expiry; a released grant is not a system event', async () => {
    const { id } = await scheduledGrant(withSlack);
    await approvedBy(withSlack, id);
    await refreshed(withSlack, id, 'approved');
    expect(await stateOf(withSlack, jobId.expire(id, 'approved'))).toBe('delayed');

    const released = await withSlack.store.finish(id, 'released', assistant, 'done');
    expect(released.ok).toBe(true);
    await refreshed(withSlack, id, 'released');
    expect(await stateOf(withSlack, jobId.expire(id, 'approved'))).toBe('unknown');
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
    const ran = (await fast.jobs.queue.getJob(jobId.refresh(id, 'expired')))!.finishedOn;

    // Two more relays of the same event (another instance, a late subscriber): the same id, no new run.
    await Promise.all([fast.jobs.changed(id, 'expired'), sameQueueElsewhere(fast).changed(id, 'expired')]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(expiredEvents()).toHaveLength(1);
    expect((await fast.jobs.queue.getJob(jobId.refresh(id, 'expired')))!.finishedOn).toBe(ran);
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
    expect(await stateOf(fast, jobId.expire(id, 'approved'))).toBe('delayed');
    expect(await dueAt(fast, jobId.expire(id, 'approved'))).toBeGreaterThanOrEqual(
      approved.expiresAt! + AFTER_DEADLINE_MS,
    );
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
    await settled(withSlack, jobId.refresh(id, 'pending'));
    await settled(withSlack, jobId.deliver(id));

    const all = await withSlack.jobs.queue.getJobs([
      'completed',
      'failed',
      'active',
      'waiting',
      'delayed',
      'prioritized',
    ]);
    const mine = all.filter((job) => job.data.grantId === id).map((job) => job.id);
    expect(mine.sort()).toEqual(
      [jobId.deliver(id), jobId.expire(id, 'pending'), jobId.refresh(id, 'pending'), jobId.remind(id)].sort(),
    );
    expect((await withSlack.jobs.queue.getJob(jobId.refresh(id, 'pending')))!.attemptsMade).toBe(1);
    expect(withSlack.slack.filter((s) => s.startsWith(id))).toEqual([`${id} pending`]);
  });
});
