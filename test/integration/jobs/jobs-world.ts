// Test worlds for the grant jobs: a RedisGrantStore with its own prefix and a GrantJobs whose worker runs the
// real handlers (no event relay, so events are "missed" unless a test relays them), plus helpers to drive them.
import { randomBytes } from 'node:crypto';
import { expect, vi } from 'vitest';
import type { AuditEvent } from '../../../src/audit/audit-log.js';
import { RedisGrantStore } from '../../../src/grants/redis-store.js';
import type { Actor, Grant } from '../../../src/grants/types.js';
import { GrantJobs } from '../../../src/jobs/grant-jobs.js';
import { grantJobHandlers, type JobDeps } from '../../../src/jobs/handlers.js';
import { jobId } from '../../../src/jobs/names.js';
import { sweepDeadlines } from '../../../src/jobs/sweep.js';
import { type SweepTimer, startSweepTimer } from '../../../src/jobs/sweep-timer.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { SlackMessenger, SyncOptions } from '../../../src/slack/messenger.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-jobs-${randomBytes(6).toString('hex')}`;
export const SECOND = 1000;
export const HOUR = 3600 * SECOND;

const logger = createLogger('silent');
const redis = testRedis();
// BullMQ's connection must never give up on a command (as in src/start.ts).
const jobConnection = testRedis({ maxRetriesPerRequest: null });

export const bob: Actor = { type: 'user', id: 'U0BOB', email: 'bob@example.com', name: 'Bob', via: 'slack' };
export const assistant: Actor = { type: 'assistant', id: 'claude-code', via: 'mcp' };

export interface World {
  store: RedisGrantStore;
  jobs: GrantJobs;
  /** What the recording audit sink received. */
  audit: AuditEvent[];
  /** `<grantId> <status>` per messenger.sync and `<grantId> remind` per messenger.remind (when there is one). */
  slack: string[];
  /** Whether the handlers were given a (recording) messenger. */
  messenger: boolean;
}

const worlds: World[] = [];
const sweepers: SweepTimer[] = [];
const extraQueues: GrantJobs[] = [];

/** A store with its own key prefix and a GrantJobs (own BullMQ prefix) whose worker runs the real handlers. */
export function openWorld(options: {
  decisionWindowMs: number;
  reminderAt: number | null;
  messenger: boolean;
  /** Runs before the recording messenger's sync: a test throws from it as Slack's client would. */
  beforeSync?: (grant: Grant, status: string, options: SyncOptions) => void;
}) {
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
  const world: World = { store, jobs, audit: [], slack: [], messenger: options.messenger };
  const messenger = {
    sync: async (grant: Grant, status: string, syncOptions: SyncOptions = {}) => {
      options.beforeSync?.(grant, status, syncOptions);
      world.slack.push(`${grant.id} ${status}`);
    },
    remind: async (grant: Grant) => void world.slack.push(`${grant.id} remind`),
  } as unknown as SlackMessenger;
  const deps: JobDeps = {
    store,
    jobs,
    audit: { record: (event) => void world.audit.push(event) },
    messenger: options.messenger ? messenger : null,
    reminderAt: options.reminderAt,
    now: Date.now,
  };
  jobs.start(grantJobHandlers(deps));
  sweepers.push(startSweepTimer({ sweep: () => sweepDeadlines(deps), everyMs: 100, logger }));
  worlds.push(world);
  return world;
}

/** A second instance's queue on the same BullMQ prefix (no worker): it only enqueues. */
export function sameQueueElsewhere(world: World): GrantJobs {
  const other = new GrantJobs({ connection: jobConnection, prefix: world.jobs.queue.opts.prefix!, logger });
  extraQueues.push(other);
  return other;
}

export async function closeWorlds(): Promise<void> {
  await Promise.all(sweepers.map((s) => s.stop()));
  await Promise.all([...worlds.map((w) => w.jobs.close()), ...extraQueues.map((q) => q.close())]);
  await Promise.all(worlds.map((w) => w.store.close()));
  await deleteKeys([`${RUN}-*`, `{${RUN}-*`]);
  await jobConnection.quit();
  await redis.quit();
}

let sessions = 0;
export async function pendingGrant(world: World): Promise<Grant> {
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

export const stateOf = (world: World, id: string) => world.jobs.queue.getJobState(id);

/** True once a job with this id has run to completion: BullMQ logs it on the queue's event stream. */
async function hasCompleted(world: World, id: string): Promise<boolean> {
  const entries = await redis.xrange(world.jobs.queue.keys.events!, '-', '+');
  return entries.some(([, fields]) => {
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    return field('event') === 'completed' && field('jobId') === id;
  });
}

/**
 * Waits for a job to reach `state`. 'completed' means it ran to completion (its record is then removed). Not
 * "its dedupe key is taken and getJobState() says unknown": the key is taken before the job is added, and
 * getJobState reads the lists one after another, so a job not yet added or moving between two lists reads so too.
 */
export async function settled(world: World, id: string, state = 'completed', timeout = 30_000) {
  await vi.waitFor(
    async () => {
      if (state !== 'completed') return expect(await stateOf(world, id)).toBe(state);
      expect(await hasCompleted(world, id)).toBe(true);
    },
    { timeout, interval: 20 },
  );
}

/** When the grant's deadline of this kind falls (epoch ms), or null when none is scheduled. */
export function deadlineOf(world: World, id: string, kind: 'expire' | 'remind'): Promise<number | null> {
  return world.jobs.deadlines.at(kind, id);
}

/** `changed(id, status)` as the relay would call it, waiting until that refresh has run. */
export async function refreshed(world: World, id: string, status: string) {
  await world.jobs.changed(id, status);
  await settled(world, jobId.refresh(id, status));
}

/** A pending grant whose `pending` refresh (the one the relay would have enqueued) and post have run. */
export async function scheduledGrant(world: World): Promise<Grant> {
  const grant = await pendingGrant(world);
  // The pending refresh posts the message before it finishes.
  await refreshed(world, grant.id, 'pending');
  if (world.messenger) expect(world.slack).toContain(`${grant.id} pending`);
  return grant;
}

export const approvedBy = async (world: World, id: string) => {
  const result = await world.store.approve(id, bob, {});
  if (!result.ok) throw new Error(`approve failed: ${result.code}`);
  return result.grant;
};
