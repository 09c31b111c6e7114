// The grant job queue: deterministic job ids (so duplicates from several instances run once), a worker whose
// Slack 429s pause the whole queue without spending attempts, and the relay that turns store events into jobs.
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../lib/unavailable.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import type { ClickJobHandle } from './click.js';
import { ClickQueue, clickRetryDelayMs } from './click-queue.js';
import { Deadlines } from './deadlines.js';
import { type ClickJob, type GrantJob, JOB, type JobName, jobId, type RefreshJob } from './names.js';
import { OnceMarks } from './once-marks.js';
import { asSlackTurn, runJobHolding, type SlackTurn } from './slack-turn.js';
import { watchWorker } from './worker-watchdog.js';

const QUEUE = 'grants';

/** The repeating jobs' scheduler ids (readiness looks for them in Redis). */
export const SCHEDULER = { auditFeed: 'audit-feed' } as const;

/**
 * Schedulers of earlier versions, removed when a worker starts: the deadline sweep now runs on a timer in each
 * worker (src/jobs/sweep-timer.ts), and its old repeating job would fail for want of a handler.
 */
const RETIRED_SCHEDULERS = ['deadlines'];

/** What BullMQ tells a handler about this run of its job (the worker passes the Job itself). */
export type JobRun = Pick<Job, 'attemptsMade' | 'attemptsStarted' | 'stalledCounter'> & { data?: unknown };

/** Where the worker counts a job's runs that Slack deferred before they sent anything (see RetryLater). */
const UNSENT_DEFERRALS = 'unsentDeferrals';
/** Where the worker keeps the turn a deferral gave the job in a Slack channel's line (src/jobs/slack-turn.ts). */
const SLACK_TURN = 'slackTurn';

const unsentDeferrals = (data: unknown): number => {
  const count = (data as Record<string, unknown> | null)?.[UNSENT_DEFERRALS];
  return typeof count === 'number' ? count : 0;
};

/**
 * True when an earlier run of the job may have reached Slack: it failed, its worker died and BullMQ took it back
 * after a stall, or Slack deferred it after it had sent something (the crash or deferral came before the job was
 * recorded done). A run deferred before it sent anything does not count: its repeat needs no read-back.
 */
export const isRerun = (run?: JobRun): boolean =>
  !!run &&
  (run.attemptsMade > 0 || run.stalledCounter > 0 || run.attemptsStarted > 1 + unsentDeferrals(run.data));

/**
 * True when an earlier run of the job was deferred by Slack before it sent anything: that run got past everything
 * a handler does before calling Slack (a refresh's deadlines), which the repeat need not do again.
 */
export const wasDeferred = (run?: JobRun): boolean => !!run && unsentDeferrals(run.data) > 0;

export type JobHandlers = {
  [JOB.deliver]: (job: GrantJob, run?: JobRun) => Promise<void>;
  [JOB.refresh]: (job: RefreshJob, run?: JobRun) => Promise<void>;
  [JOB.usage]: (job: GrantJob) => Promise<void>;
  [JOB.auditFeed]: () => Promise<void>;
  [JOB.homes]: () => Promise<void>;
  [JOB.click]: (job: ClickJob, handle: ClickJobHandle) => Promise<void>;
};

/** Thrown by a handler when Slack asked us to slow down: the job waits without using up an attempt. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    /**
     * The run sent Slack nothing before it was deferred (only the run's own code knows): its repeat is not a
     * re-run (isRerun). False unless said, so an unknown deferral is read back like a crash.
     */
    readonly sentNothing = false,
    /** The run's turn in the gate's line, when the gate queued it: its next run presents it (slack-turn.ts). */
    readonly turn?: SlackTurn,
  ) {
    super(`retry after ${delayMs} ms`);
  }

  /** The same deferral, said to have come before the run sent Slack anything. */
  beforeSending(): RetryLater {
    return this.sentNothing ? this : new RetryLater(this.delayMs, true, this.turn);
  }
}

/** Slack's Web API client's code for a 429 that its own retries did not absorb. */
const SLACK_RATE_LIMITED = 'slack_webapi_rate_limited_error';

/** A Slack 429, or our retry gate holding a call back, as the job's deferral; null for any other error. */
export function asDeferral(error: unknown): RetryLater | null {
  if (error instanceof RetryLater) return error;
  const e = error as { code?: string; retryAfter?: number } | null;
  return e?.code === SLACK_RATE_LIMITED ? new RetryLater(Math.max(1, e.retryAfter ?? 1) * 1000) : null;
}

export interface GrantJobsOptions {
  connection: Redis;
  /** Hash-tagged so every BullMQ key of the queue lives in one Redis Cluster slot. */
  prefix: string;
  logger: Logger;
  concurrency?: number;
  /**
   * How long a grant's records are kept (GRANT_RETENTION, default 24 h): a refresh keeps retrying a failing
   * Slack that long (its message can be brought up to date until then), instead of giving up after a minute.
   */
  retentionMs?: number;
}

/** Exponential from 500 ms, capped at 30 s: a long Slack outage is waited out, not hammered. */
export const retryDelayMs = (attemptsMade: number) =>
  Math.min(30_000, 500 * 2 ** Math.max(0, attemptsMade - 1));

/** Attempts whose backoffs (retryDelayMs) add up to `windowMs`: retrying stops when the window is over. */
export function attemptsWithin(windowMs: number): number {
  let attempts = 1;
  for (let waited = 0; waited < windowMs; attempts++) waited += retryDelayMs(attempts);
  return attempts;
}

const DEFAULT_RETENTION_MS = 24 * 3_600_000;

/** How long a job id stays taken after it was first added (duplicate relays arrive within milliseconds). */
const DEDUPE_MS = 15 * 60_000;

/** The fixed window `now` falls in, and how long until it closes (when a windowed job runs). */
/** Grants whose last usage window this process remembers (see usage()). */
const MAX_USAGE_MEMO = 10_000;

function windowOf(windowMs: number): { window: number; delay: number } {
  const now = Date.now();
  const window = Math.floor(now / windowMs);
  return { window, delay: (window + 1) * windowMs - now };
}

/** How often workers look for running jobs whose lock lapsed (their worker died), and how often one may. */
const STALLED_CHECK_MS = 5_000;
const MAX_STALLS = 3;

export class GrantJobs {
  readonly queue: Queue;
  readonly deadlines: Deadlines;
  /** Once-marks of the jobs' effects, so a job run again after a crash does not repeat one. */
  readonly marks: OnceMarks;
  /** Records Slack clicks as delayed jobs (src/jobs/click-queue.ts). */
  readonly clicks: ClickQueue;
  private worker: Worker | null = null;
  /** The repeating jobs this process keeps alive (id → job and period), for ensureSchedulers(). */
  private readonly schedulers = new Map<string, { name: JobName; everyMs: number }>();
  private readonly refreshAttempts: number;

  constructor(private readonly options: GrantJobsOptions) {
    this.refreshAttempts = attemptsWithin(options.retentionMs ?? DEFAULT_RETENTION_MS);
    this.queue = new Queue(QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: 'capped' },
        // A finished job leaves nothing behind: duplicates are stopped by a small dedupe key instead (add()),
        // which costs a tenth of a completed job's hash.
        removeOnComplete: true,
        removeOnFail: { age: 7 * 86_400 },
      },
      // Nothing reads the queue's event stream; keep it short instead of BullMQ's 10,000 entries.
      streams: { events: { maxLen: 100 } },
    });
    this.deadlines = new Deadlines(options.connection, `${options.prefix}:deadlines`);
    this.marks = new OnceMarks(options.connection, `${options.prefix}:once`);
    this.clicks = new ClickQueue(this.queue, options.connection, options.prefix, options.logger);
  }

  /**
   * A grant reached `status` (or changed within it: `version` is set then). Every instance relays every
   * event; the id makes the refresh run once.
   */
  async changed(grantId: string, status: string, version?: number): Promise<void> {
    await this.add(JOB.refresh, { grantId, status }, jobId.refresh(grantId, status, version), {
      attempts: this.refreshAttempts,
    });
  }

  /** Applies the clock for the grant at `at` (epoch ms); a later call moves it (an extension). */
  async expireAt(grantId: string, at: number): Promise<void> {
    await this.deadlines.schedule('expire', grantId, at);
  }

  async remindAt(grantId: string, at: number): Promise<void> {
    await this.deadlines.schedule('remind', grantId, at);
  }

  /** The grant has no deadline left worth waking for (decided, ended, revoked, …). */
  async dropDeadlines(grantId: string, kinds?: Array<'expire' | 'remind'>): Promise<void> {
    await this.deadlines.cancel(grantId, kinds);
  }

  /** Removes the repeating jobs of earlier versions that this one no longer runs (see RETIRED_SCHEDULERS). */
  async retireSchedulers(): Promise<void> {
    for (const id of RETIRED_SCHEDULERS) await this.queue.removeJobScheduler(id);
  }

  /** Drains the audit stream into the audit channel every `everyMs`. */
  async feedAuditEvery(everyMs: number): Promise<void> {
    await this.every(SCHEDULER.auditFeed, JOB.auditFeed, everyMs);
  }

  /** The scheduler ids this process upserted (what readiness expects to find in Redis). */
  schedulerIds(): string[] {
    return [...this.schedulers.keys()];
  }

  /**
   * Re-creates any of this process's schedulers that Redis no longer holds (after a data reset) and returns
   * their ids. One cheap read per scheduler when all is well, so it can run every few seconds.
   */
  async ensureSchedulers(): Promise<string[]> {
    const recreated: string[] = [];
    for (const [id, { name, everyMs }] of this.schedulers) {
      if (await this.queue.getJobScheduler(id)) continue;
      await this.every(id, name, everyMs);
      recreated.push(id);
    }
    return recreated;
  }

  /** The usage window each grant's re-render was last enqueued for by this process. */
  private readonly usageEnqueued = new Map<string, number>();

  /**
   * One usage re-render per grant per window: calls within a window share it. The job id dedupes across
   * processes; this process asks Redis once per grant and window, not on every call.
   */
  async usage(grantId: string, windowMs: number): Promise<void> {
    const { window, delay } = windowOf(windowMs);
    if (this.usageEnqueued.get(grantId) === window) return;
    // Marked before the enqueue, so calls arriving while it is on its way do not each enqueue the same job;
    // bounded: grants that went quiet are dropped once the map grows (at worst one more enqueue each).
    if (this.usageEnqueued.size >= MAX_USAGE_MEMO) this.usageEnqueued.clear();
    this.usageEnqueued.set(grantId, window);
    try {
      await this.add(JOB.usage, { grantId }, jobId.usage(grantId, window), { delay });
    } catch (error) {
      // Not enqueued: the next call in this window tries again.
      if (this.usageEnqueued.get(grantId) === window) this.usageEnqueued.delete(grantId);
      throw error;
    }
  }

  /** One App Home refresh per window, for every change within it. */
  async homes(windowMs: number): Promise<void> {
    const { window, delay } = windowOf(windowMs);
    await this.add(JOB.homes, {} as GrantJob, jobId.homes(window), { delay });
  }

  start(handlers: JobHandlers): void {
    for (const name of Object.values(JOB)) {
      if (typeof handlers[name] !== 'function') throw new Error(`no handler for job ${name}`);
    }
    this.worker = this.newWorker(handlers);
    this.stopWatchdog = watchWorker({
      counts: async () => {
        const counts = await this.queue.getJobCounts('waiting', 'active');
        const rateLimitedMs = Math.max(0, await this.queue.getRateLimitTtl());
        return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, rateLimitedMs };
      },
      lastTaken: () => this.lastTaken,
      replace: async () => {
        const stuck = this.worker;
        this.worker = this.newWorker(handlers);
        // Its blocking connection may hang on a node that is gone: do not wait on it past a few seconds.
        await Promise.race([stuck?.close(true), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        stuck?.disconnect().catch(() => undefined);
      },
      onStuck: (detail) =>
        this.options.logger.error(
          detail,
          'job worker took no job while jobs waited (Redis failover?); replacing it',
        ),
    });
  }

  /** When this process last took a job, or started its worker: what the watchdog measures idleness from. */
  private lastTaken = Date.now();
  private stopWatchdog: (() => void) | null = null;

  private newWorker(handlers: JobHandlers): Worker {
    this.lastTaken = Date.now();
    const worker = new Worker(
      QUEUE,
      async (job: Job, token?: string) => {
        this.lastTaken = Date.now();
        try {
          // The click handler reads the job itself (to keep its decision across retries), the refresh whether
          // it is a re-run (to read its message back before updating it again).
          const handler = handlers[job.name as JobName] as (data: unknown, job: Job) => Promise<void>;
          // A run deferred into a channel's line before comes back holding its turn there.
          await runJobHolding(asSlackTurn(job.data?.[SLACK_TURN]), () => handler(job.data, job));
        } catch (error) {
          // Only this job waits out Slack's window, without spending an attempt: the gate is per method (per
          // channel for posts and updates), so a 429 for one says nothing about the other jobs' calls.
          if (error instanceof RetryLater) {
            await this.keepDeferral(job, error);
            await job.moveToDelayed(Date.now() + error.delayMs, token);
            throw new DelayedError();
          }
          // Redis stalled past the command timeout (REDIS_COMMAND_TIMEOUT): every job would fail alike, and none
          // by its own fault, so the queue waits it out without spending attempts.
          if (isUnavailable(error)) {
            await this.queue.rateLimit(RETRY_AFTER_SECONDS * 1000);
            throw Worker.RateLimitError();
          }
          throw error;
        }
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 8,
        settings: {
          backoffStrategy: (attemptsMade, type) =>
            type === 'click' ? clickRetryDelayMs(attemptsMade) : retryDelayMs(attemptsMade),
        },
        // A worker that died mid-job gives its jobs back ~5 s after their lock lapses (BullMQ checks every
        // 30 s). The lock keeps BullMQ's 30 s, so a starved but living worker is not taken for dead; if it
        // is, the handlers are idempotent, and a job may be taken back a few times before it counts as failed.
        stalledInterval: STALLED_CHECK_MS,
        maxStalledCount: MAX_STALLS,
      },
    );
    worker.on('failed', (job, error) =>
      this.options.logger.warn({ err: error, job: job?.id, attempts: job?.attemptsMade }, 'job failed'),
    );
    worker.on('error', (error) => this.options.logger.warn({ err: error }, 'job worker error'));
    return worker;
  }

  /** Records in the job what its next run must know of this deferral: that nothing was sent, and its turn. */
  private async keepDeferral(job: Job, deferral: RetryLater): Promise<void> {
    if (!deferral.sentNothing && !deferral.turn) return;
    const data = { ...job.data };
    if (deferral.sentNothing) data[UNSENT_DEFERRALS] = unsentDeferrals(job.data) + 1;
    if (deferral.turn) data[SLACK_TURN] = deferral.turn;
    await job.updateData(data);
  }

  /** Waits for running jobs to finish, then closes (graceful shutdown). */
  async close(): Promise<void> {
    this.stopWatchdog?.();
    await this.worker?.close();
    await this.queue.close();
  }

  /** A repeating job: one scheduler per id, however many instances upsert it. */
  private async every(schedulerId: string, name: JobName, everyMs: number) {
    this.schedulers.set(schedulerId, { name, everyMs });
    await this.queue.upsertJobScheduler(
      schedulerId,
      { every: everyMs },
      { name, data: {}, opts: { removeOnComplete: true, removeOnFail: { age: 86_400 } } },
    );
  }

  /**
   * Adds a job once per id: every instance relays every event, so the same id arrives several times within
   * milliseconds. The dedupe key outlives that by far; a job removed on completion cannot be re-added meanwhile.
   */
  private async add(name: JobName, data: GrantJob | RefreshJob, id: string, options: object = {}) {
    const key = `${this.options.prefix}:dedupe:${id}`;
    if ((await this.options.connection.set(key, '1', 'PX', DEDUPE_MS, 'NX')) !== 'OK') return;
    try {
      await this.queue.add(name, data, { jobId: id, ...options });
    } catch (error) {
      await this.options.connection.del(key);
      throw error;
    }
  }
}

/** Listens to the store's `<grantId> <status> [<version>]` events and enqueues a refresh for each. */
export async function relayGrantEvents(subscriber: Redis, channel: string, jobs: GrantJobs, logger: Logger) {
  subscriber.on('message', (from, message) => {
    if (from !== channel) return;
    const [grantId, status, version] = message.split(' ');
    if (!grantId || !status) return;
    jobs
      .changed(grantId, status, version ? Number(version) : undefined)
      .catch((error: unknown) => logger.warn({ err: error, grantId }, 'refresh enqueue failed'));
  });
  await subscriber.subscribe(channel);
}
