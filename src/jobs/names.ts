// Every background job, by name, with its data and its deterministic id. Start-up fails if one has no handler.
import type { ClickOutcome } from '../slack/click-decide.js';
import type { ClickRecord } from '../slack/click-record.js';

export const JOB = {
  /**
   * Post a pending grant's Slack message. Retired: the pending refresh posts it now; versions before that enqueued
   * this job, and the handler stays so a rolling upgrade still posts what they queued.
   */
  deliver: 'deliver',
  /**
   * After a change: schedule deadlines, post (pending) or re-render the message, send the once-per-status DM and
   * audit line. Retried with capped backoff; a pending grant's post stops at its decision deadline.
   */
  refresh: 'refresh',
  /** Re-render an approved grant's message with its usage, at most once per usage window. */
  usage: 'usage',
  /** Post new audit events to the audit channel's threads, in order (every few seconds, one drain at a time). */
  auditFeed: 'auditFeed',
  /** Re-publish the App Home of people who look at it, after grants they may see changed. */
  homes: 'homes',
  /**
   * Apply a Slack click recorded at ack() and tell the clicker the outcome (src/jobs/click.ts): waits as a
   * delayed job while the click is applied inline, runs at once when that failed, retried until the grant's
   * decision deadline.
   */
  click: 'click',
} as const;

export type JobName = (typeof JOB)[keyof typeof JOB];

export interface GrantJob {
  grantId: string;
}

export interface RefreshJob extends GrantJob {
  /** The status the change produced; a job for an older status only schedules, the newer one renders. */
  status: string;
}

/** A recorded click (src/slack/click-record.ts) and, once decided, what the clicker is still to be told. */
export interface ClickJob {
  click: ClickRecord;
  outcome?: ClickOutcome;
}

// BullMQ job ids may not contain ':' and must not be integers; grant ids are `g_<hash>_<random>`.
export const jobId = {
  /** `version` marks a change that kept the status (an extension), so each gets its own refresh. */
  refresh: (grantId: string, status: string, version?: number) =>
    `refresh_${grantId}_${status}${version === undefined ? '' : `_v${version}`}`,
  usage: (grantId: string, window: number) => `usage_${grantId}_${window}`,
  homes: (window: number) => `homes_${window}`,
  /** The click record's id is already job-id safe and deterministic per Slack action. */
  click: (clickId: string) => clickId,
};
