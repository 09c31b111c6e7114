// Every background job, by name, with its data and its deterministic id. Start-up fails if one has no handler.

export const JOB = {
  /** Post a pending grant's Slack message; retried with capped backoff until the decision deadline. */
  deliver: 'deliver',
  /** After a change: schedule deadlines, re-render the message, send the once-per-status DM and audit line. */
  refresh: 'refresh',
  /**
   * Every few hundred ms: take the deadlines that have passed (src/jobs/deadlines.ts) and act on them: apply
   * the clock at decideBy / expiresAt, or ping the approvers once part way through the decision window.
   */
  sweep: 'sweep',
  /** Re-render an approved grant's message with its usage, at most once per usage window. */
  usage: 'usage',
  /** Post new audit events to the audit channel's threads, in order (every few seconds, one drain at a time). */
  auditFeed: 'auditFeed',
  /** Re-publish the App Home of people who look at it, after grants they may see changed. */
  homes: 'homes',
} as const;

export type JobName = (typeof JOB)[keyof typeof JOB];

export interface GrantJob {
  grantId: string;
}

export interface RefreshJob extends GrantJob {
  /** The status the change produced; a job for an older status only schedules, the newer one renders. */
  status: string;
}

// BullMQ job ids may not contain ':' and must not be integers; grant ids are `g_<hash>_<random>`.
export const jobId = {
  deliver: (grantId: string) => `deliver_${grantId}`,
  /** `version` marks a change that kept the status (an extension), so each gets its own refresh. */
  refresh: (grantId: string, status: string, version?: number) =>
    `refresh_${grantId}_${status}${version === undefined ? '' : `_v${version}`}`,
  usage: (grantId: string, window: number) => `usage_${grantId}_${window}`,
  homes: (window: number) => `homes_${window}`,
};
