// The grant job queue: a relay that turns store events into deduplicated sync jobs, and the worker that runs them.
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { type ClockJob, clockJobId, JOB, type JobName, type SyncJob, syncJobId } from './names.js';

const QUEUE = 'grants';

export type JobHandlers = {
  [JOB.sync]: (job: SyncJob) => Promise<void>;
  [JOB.clock]: (job: ClockJob) => Promise<void>;
};

/** Thrown by a handler when Slack asked us to slow down: the job waits without using up an attempt. */
export class RetryLater extends Error {
  constructor(readonly delayMs: number) {
    super(`retry after ${delayMs} ms`);
  }
}

export interface GrantJobsOptions {
  connection: Redis;
  /** Hash-tagged so every BullMQ key of the queue lives in one Redis Cluster slot. */
  prefix: string;
  logger: Logger;
  concurrency?: number;
}

export class GrantJobs {
  readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(private readonly options: GrantJobsOptions) {
    this.queue = new Queue(QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: 6,
        backoff: { type: 'exponential', delay: 500 },
        // Completed ids are kept a day so a second instance relaying the same event is a no-op.
        removeOnComplete: { age: 86_400, count: 50_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
  }

  /** Every instance relays every event; the deterministic job id makes each sync run exactly once. */
  async sync(grantId: string, status: string): Promise<void> {
    await this.queue.add(JOB.sync, { grantId, status } satisfies SyncJob, {
      jobId: syncJobId(grantId, status),
    });
  }

  /** Runs the clock for a grant at `at` (epoch ms): once per grant and status. */
  async scheduleClock(grantId: string, status: string, at: number): Promise<void> {
    const delay = Math.max(0, at - Date.now()) + 50;
    await this.queue.add(JOB.clock, { grantId } satisfies ClockJob, {
      jobId: clockJobId(grantId, status),
      delay,
    });
  }

  start(handlers: JobHandlers): void {
    for (const name of Object.values(JOB)) {
      if (typeof handlers[name] !== 'function') throw new Error(`no handler for job ${name}`);
    }
    this.worker = new Worker(
      QUEUE,
      async (job: Job) => {
        try {
          await handlers[job.name as JobName](job.data);
        } catch (error) {
          if (error instanceof RetryLater) {
            await this.queue.rateLimit(error.delayMs);
            throw Worker.RateLimitError();
          }
          throw error;
        }
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 8,
      },
    );
    this.worker.on('failed', (job, error) =>
      this.options.logger.warn({ err: error, job: job?.id, attempts: job?.attemptsMade }, 'job failed'),
    );
    this.worker.on('error', (error) => this.options.logger.warn({ err: error }, 'job worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

/** Listens to the store's `<grantId> <status>` events and enqueues a sync for each. */
export async function relayGrantEvents(subscriber: Redis, channel: string, jobs: GrantJobs, logger: Logger) {
  subscriber.on('message', (from, message) => {
    if (from !== channel) return;
    const [grantId, status] = message.split(' ');
    if (!grantId || !status) return;
    jobs
      .sync(grantId, status)
      .catch((error: unknown) => logger.warn({ err: error, grantId }, 'sync enqueue failed'));
  });
  await subscriber.subscribe(channel);
}
