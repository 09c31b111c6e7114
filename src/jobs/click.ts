// The click job: applies a recorded Slack click that could not be finished inline, then tells the clicker.
// Retried with backoff while Slack or Redis fail, until the click's give-up time (after the grant's deadline).
import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../lib/logger.js';
import type { ClickDesk } from '../slack/click-desk.js';
import { RetryLater } from './grant-jobs.js';
import type { ClickJob } from './names.js';

/** What the handler needs of the BullMQ job: to remember a decision so a retry only repeats the telling. */
export interface ClickJobHandle {
  updateData(data: ClickJob): Promise<void>;
}

export function clickJobHandler(desk: ClickDesk | null, logger: Logger | undefined, now: () => number) {
  return async (data: ClickJob, job: ClickJobHandle): Promise<void> => {
    if (!desk) throw new UnrecoverableError('a Slack click, but Slack is not configured here');
    const { click } = data;
    try {
      let outcome = data.outcome;
      if (!outcome) {
        outcome = await desk.decide(click, { deferred: true });
        if (outcome.notice) await job.updateData({ click, outcome });
      }
      if (outcome.notice) await desk.tell(click, outcome.notice);
    } catch (error) {
      // A 429 delays this click's job without spending the attempt.
      if (error instanceof RetryLater) throw error;
      if (now() < (await desk.giveUpAt(click).catch(() => Number.POSITIVE_INFINITY))) throw error;
      logger?.error(
        { err: error, click: click.id, grantId: click.grantId, kind: click.kind, user: click.user },
        'Slack click given up: it could not be applied or told in time',
      );
      throw new UnrecoverableError(`click ${click.id} given up`);
    }
  };
}
