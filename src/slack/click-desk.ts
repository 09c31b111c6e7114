// Every Slack click goes through here: recorded durably right after ack(), applied inline when the directory
// and Redis answer at once, otherwise by the click job (src/jobs/click.ts), which retries until Slack is back.

import type { GrantStore } from '../grants/store-api.js';
import type { ClickRecorder, ClickTicket } from '../jobs/click-queue.js';
import type { Logger } from '../lib/logger.js';
import { type ClickOutcome, type DecideDeps, type DecideOptions, decideClick } from './click-decide.js';
import type { ClickRecord } from './click-record.js';
import type { ClickTeller } from './click-tell.js';
import { deferredNotice, notRecordedNotice } from './views/click-notices.js';
import type { Notice } from './views/notices.js';

/**
 * An inline attempt gives up after this: a person waits on the message, and lookups that slow mean Slack is
 * struggling. Nothing is written after it (the job may start soon after).
 */
const INLINE_BUDGET_MS = 3_000;
/** The recorded job waits this long before applying the click itself: after a crash, or an inline attempt stuck past its budget. */
const JOB_GRACE_MS = 20_000;
/** After the grant's decision deadline there is nothing left to apply, but the clicker is still owed an answer this long. */
const TELL_AFTER_DEADLINE_MS = 30 * 60_000;
/** Revoke and extend have no deadline of their own: kept trying this long after the click. */
const CHANGE_WINDOW_MS = 60 * 60_000;

export interface ClickDeskDeps extends DecideDeps {
  recorder: ClickRecorder;
  teller: ClickTeller;
  store: GrantStore;
  logger: Logger;
}

export class ClickDesk {
  constructor(private readonly deps: ClickDeskDeps) {}

  /** After ack(): record, then try to finish at once; whatever is left goes to the job. Never throws. */
  async take(click: ClickRecord): Promise<void> {
    const { logger } = this.deps;
    let ticket: ClickTicket | null;
    try {
      ticket = await this.deps.recorder.record(click, JOB_GRACE_MS);
    } catch (error) {
      logger.error({ err: error, click: click.id }, 'Slack click could not be recorded');
      await this.tellNow(click, notRecordedNotice(click.kind));
      return;
    }
    // Slack delivered this click before: that delivery owns it.
    if (!ticket) return;
    const attempt = this.decide(click, { deferred: false, writeBy: this.deps.now() + INLINE_BUDGET_MS });
    let outcome: ClickOutcome;
    try {
      outcome = await withinBudget(attempt);
    } catch (error) {
      logger.warn({ err: error, click: click.id, grantId: click.grantId }, 'Slack click deferred to its job');
      await this.tellNow(click, deferredNotice(click.kind));
      // The job may start early only once the attempt has settled: nothing of it can write after that.
      void attempt.then(
        // Applied after all, but the clicker was told to wait for word: the job re-checks and says it is done.
        (late) => this.handOver(click, ticket, late.applied && !late.notice ? undefined : late),
        () => this.handOver(click, ticket),
      );
      return;
    }
    if (outcome.notice) {
      try {
        await this.deps.teller.tell(click, outcome.notice);
      } catch (error) {
        logger.info({ err: error, click: click.id }, 'click notice deferred to its job');
        await this.handOver(click, ticket, outcome);
        return;
      }
    }
    await ticket.done();
  }

  decide(click: ClickRecord, options: DecideOptions): Promise<ClickOutcome> {
    return decideClick(click, this.deps, options);
  }

  tell(click: ClickRecord, notice: Notice): Promise<void> {
    return this.deps.teller.tell(click, notice);
  }

  /** When the job stops trying: the decision deadline plus time to tell (approve, deny), or an hour (changes). */
  async giveUpAt(click: ClickRecord): Promise<number> {
    if (click.kind === 'revoke' || click.kind === 'extend') return click.recordedAt + CHANGE_WINDOW_MS;
    const grant = await this.deps.store.get(click.grantId);
    return Math.max(grant?.decideBy ?? 0, click.recordedAt) + TELL_AFTER_DEADLINE_MS;
  }

  private async handOver(click: ClickRecord, ticket: ClickTicket, outcome?: ClickOutcome) {
    // Failing too (Redis away), the recorded job still starts when its grace period ends.
    await ticket
      .handOver(outcome)
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, click: click.id }, 'click hand-over failed'),
      );
  }

  /** Best effort, once: a notice about the click itself, while the job is the one to retry. */
  private async tellNow(click: ClickRecord, notice: Notice): Promise<void> {
    await this.deps.teller
      .tell(click, notice)
      .catch((error: unknown) =>
        this.deps.logger.info({ err: error, click: click.id }, 'click notice not sent'),
      );
  }
}

/** An inline attempt that hangs (a lookup retrying against a struggling Slack) is handed over instead. */
function withinBudget<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('inline click attempt ran out of time')), INLINE_BUDGET_MS);
  });
  // An attempt past its budget writes nothing more (writeBy); its lookups still warm the cache.
  return Promise.race([work, timeUp]).finally(() => clearTimeout(timer));
}
