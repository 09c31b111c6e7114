// What the grant jobs do: bring surfaces up to date after a change, and apply the clock at deadlines.
import type { AuditSink } from '../audit/audit-log.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { SlackMessenger } from '../slack/messenger.js';
import type { GrantJobs, JobHandlers } from './grant-jobs.js';
import { JOB } from './names.js';

export interface JobDeps {
  store: GrantStore;
  jobs: GrantJobs;
  audit: AuditSink;
  /** Absent when Slack is not configured. */
  messenger: SlackMessenger | null;
}

/** Transitions nobody's request caused (the clock, a newer request): the job is where they get audited. */
const SYSTEM_EVENTS = { expired: 'grant.expired', ended: 'grant.ended' } as const;

export function grantJobHandlers(deps: JobDeps): JobHandlers {
  return {
    [JOB.sync]: async ({ grantId, status }) => {
      const grant = await deps.store.get(grantId);
      if (!grant) return;
      await scheduleDeadline(deps.jobs, grant);
      if (status === grant.status && status in SYSTEM_EVENTS) auditSystemTransition(deps.audit, grant);
      await deps.messenger?.sync(grant, status);
    },
    [JOB.clock]: async ({ grantId }) => {
      // Reading applies the clock and persists the transition, which publishes the event that syncs it.
      await deps.store.get(grantId);
    },
  };
}

async function scheduleDeadline(jobs: GrantJobs, grant: Grant) {
  if (grant.status === 'pending') await jobs.scheduleClock(grant.id, 'pending', grant.decideBy);
  if (grant.status === 'approved' && grant.expiresAt)
    await jobs.scheduleClock(grant.id, 'approved', grant.expiresAt);
}

function auditSystemTransition(audit: AuditSink, grant: Grant) {
  const last = grant.history.at(-1);
  audit.record({
    type: SYSTEM_EVENTS[grant.status as keyof typeof SYSTEM_EVENTS],
    grantId: grant.id,
    userId: grant.owner.userId,
    sid: grant.owner.sid,
    organizationId: grant.owner.organizationId,
    actor: last ? { type: last.by.type, id: last.by.id, via: last.by.via } : undefined,
    level: grant.level,
    providers: grant.providers,
    detail: last?.note,
  });
}
