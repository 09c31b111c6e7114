// Every background job, by name. Start-up fails if one has no handler.

export const JOB = {
  /** Bring every surface of a grant up to date after it changed: Slack message, DMs, audit channel. */
  sync: 'sync',
  /** Apply the clock to a grant at its deadline (decision window or access end), which then syncs. */
  clock: 'clock',
} as const;

export type JobName = (typeof JOB)[keyof typeof JOB];

export interface SyncJob {
  grantId: string;
  status: string;
}

export interface ClockJob {
  grantId: string;
}

/** BullMQ job ids may not contain ':' and must not be integers; grant ids are `g_<hash>_<random>`. */
export const syncJobId = (grantId: string, status: string) => `sync_${grantId}_${status}`;
export const clockJobId = (grantId: string, status: string) => `clock_${grantId}_${status}`;
