// Records a Slack click as a delayed job the moment it is acknowledged: the job is the durable copy, removed
// once the click was applied inline, run at once when that failed, and run anyway after a crash.
import type { Job, Queue } from 'bullmq';
import type { Logger } from '../lib/logger.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import type { ClickOutcome } from '../slack/click-decide.js';
import type { ClickRecord } from '../slack/click-record.js';
import { type ClickJob, JOB, jobId } from './names.js';

/** What the click path holds while it applies a click inline. */
export interface ClickTicket {
  /** Applied and told: nothing left for the job. */
  done(): Promise<void>;
  /** Not finished inline: the job runs now (and retries), starting from `outcome` when the decision was made. */
  handOver(outcome?: ClickOutcome): Promise<void>;
}

export interface ClickRecorder {
  /**
   * Records the click; the job waits `graceMs` before applying it itself (longer than an inline attempt may
   * take). Null when this click was already recorded (Slack redelivered the payload).
   */
  record(click: ClickRecord, graceMs: number): Promise<ClickTicket | null>;
}

/** Attempts are bounded by time instead (the handler gives up after the grant's decision deadline). */
const CLICK_ATTEMPTS = 100_000;
/**
 * Slack redelivers an unanswered payload within minutes (HTTP retries at about 1 and 5 minutes); a click id
 * stays taken longer than that, and no longer, since a flood of clicks leaves one key each.
 */
const DEDUPE_MS = 15 * 60_000;

/** Exponential from 500 ms, capped at 5 s: a click is applied within seconds of Slack answering again. */
export const clickRetryDelayMs = (attemptsMade: number) =>
  Math.min(5_000, 500 * 2 ** Math.max(0, attemptsMade - 1));

/**
 * BullMQ's connection waits out a Redis outage instead of failing; a click must not hang on it: the clicker is
 * better told soon that nothing was recorded. A connection still coming up (start, a blip) gets this long.
 */
const READY_WAIT_MS = 2_000;

function ready(connection: Redis, waitMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(new Error(`Redis is ${connection.status}`));
    }, waitMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}

export class ClickQueue implements ClickRecorder {
  constructor(
    private readonly queue: Queue,
    private readonly connection: Redis,
    /** The BullMQ prefix; the dedupe key lives beside the queue's keys (one Cluster slot). */
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async record(click: ClickRecord, graceMs: number): Promise<ClickTicket | null> {
    await ready(this.connection, READY_WAIT_MS);
    const id = jobId.click(click.id);
    const key = `${this.prefix}:dedupe:${id}`;
    if ((await this.connection.set(key, '1', 'PX', DEDUPE_MS, 'NX')) !== 'OK') return null;
    let job: Job<ClickJob>;
    try {
      job = await this.queue.add(JOB.click, { click } satisfies ClickJob, {
        jobId: id,
        delay: graceMs,
        attempts: CLICK_ATTEMPTS,
        backoff: { type: 'click' },
      });
    } catch (error) {
      await this.connection.del(key).catch(() => undefined);
      throw error;
    }
    return this.ticket(job);
  }

  private ticket(job: Job<ClickJob>): ClickTicket {
    const { logger } = this;
    return {
      async done() {
        // Left behind (Redis blip, or the job already started): it finds the click applied and says nothing.
        await job
          .remove()
          .catch((error: unknown) => logger.debug({ err: error, job: job.id }, 'click job kept'));
      },
      async handOver(outcome) {
        if (outcome) await job.updateData({ ...job.data, outcome });
        // Not delayed any more: it is running or has run, which is what handing over asks for.
        await job
          .promote()
          .catch((error: unknown) => logger.debug({ err: error, job: job.id }, 'click job not promoted'));
      },
    };
  }
}
