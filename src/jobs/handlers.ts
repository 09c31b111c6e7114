// What the grant jobs do. Jobs only keep messages, audit and schedules tidy: access itself is always decided
// by the grant record and the clock at call time, never by whether a job has run.
import type { AuditSink } from '../audit/audit-log.js';
import { grantFields, ownerFields } from '../audit/fields.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { Logger } from '../lib/logger.js';
import type { ClickDesk } from '../slack/click-desk.js';
import type { SlackMessenger } from '../slack/messenger.js';
import { clickJobHandler } from './click.js';
import type { GrantJobs, JobHandlers } from './grant-jobs.js';
import { JOB } from './names.js';

export interface JobDeps {
  store: GrantStore;
  jobs: GrantJobs;
  audit: AuditSink;
  /** Absent when Slack is not configured. */
  messenger: SlackMessenger | null;
  /** Posts new audit events to the audit channel; absent without AUDIT_CHANNEL. */
  auditFeed?: { drain(): Promise<unknown> } | null;
  /** Re-publishes App Homes after changes; absent without Slack. */
  refreshHomes?: (() => Promise<void>) | null;
  /** Applies recorded Slack clicks; absent without Slack. */
  clicks?: ClickDesk | null;
  logger?: Logger;
  /** Share of the decision window after which approvers get one reminder; null for none. */
  reminderAt: number | null;
  now(): number;
}

/** Deadlines taken per round of a sweep; a sweep runs rounds until nothing more is due. */
const SWEEP_BATCH = 200;
/** A deadline whose handling failed is retried this much later. */
const SWEEP_RETRY_MS = 1000;

/** App Homes follow changes within this window (one re-publish per window, however many changes). */
const HOMES_EVERY_MS = 2000;

/** Transitions nobody's request caused (the clock, a newer request): the job is where they get audited. */
const SYSTEM_EVENTS = { expired: 'grant.expired', ended: 'grant.ended' } as const;

export function grantJobHandlers(deps: JobDeps): JobHandlers {
  const { store, jobs, messenger } = deps;
  return {
    [JOB.refresh]: async ({ grantId, status }) => {
      const grant = await store.get(grantId);
      if (!grant) return;
      await scheduleDeadlines(deps, grant);
      if (deps.refreshHomes) await jobs.homes(HOMES_EVERY_MS);
      // A burst of changes renders once: only the job for the grant's current status does the work.
      if (status !== grant.status) return;
      if (grant.status === 'pending') await jobs.deliver(grant.id);
      else await messenger?.sync(grant, status);
      if (status in SYSTEM_EVENTS) auditSystemTransition(deps.audit, grant);
    },
    [JOB.deliver]: async ({ grantId }) => {
      const grant = await store.get(grantId);
      // Decided (or expired) before Slack could be reached: its own refresh tells people; nothing to post.
      if (grant?.status !== 'pending' || deps.now() >= grant.decideBy) return;
      await messenger?.sync(grant, 'pending');
      // Decided while the post was on its way: the refresh found no message to update, so render it now.
      const latest = await store.get(grantId);
      if (latest && latest.status !== 'pending') await messenger?.sync(latest, latest.status);
    },
    [JOB.sweep]: async () => {
      for (;;) {
        const due = await jobs.deadlines.claimDue(deps.now(), SWEEP_BATCH);
        for (const { kind, grantId } of due) {
          try {
            await (kind === 'expire' ? expire(deps, grantId) : remind(deps, grantId));
          } catch (error) {
            // Put it back so nothing is lost; a Slack 429 (RetryLater) also pauses the queue.
            await jobs.deadlines.schedule(kind, grantId, deps.now() + SWEEP_RETRY_MS);
            throw error;
          }
        }
        if (due.length < SWEEP_BATCH) return;
      }
    },
    [JOB.auditFeed]: async () => {
      await deps.auditFeed?.drain();
    },
    [JOB.homes]: async () => {
      await deps.refreshHomes?.();
    },
    [JOB.click]: clickJobHandler(deps.clicks ?? null, deps.logger, deps.now),
    [JOB.usage]: async ({ grantId }) => {
      const grant = await store.get(grantId);
      // Any status but approved has had (or will have) its own refresh.
      if (grant?.status === 'approved') await messenger?.sync(grant, 'usage');
    },
  };
}

/** At a grant's deadline: reading applies the clock and persists the transition, whose event refreshes. */
async function expire(deps: JobDeps, grantId: string) {
  const grant = await deps.store.get(grantId);
  if (!grant) return;
  // Backstop for an event the relay missed (its subscriber was reconnecting): the refresh for the current
  // status is a no-op if it already ran, and otherwise takes the buttons off a dead request.
  await deps.jobs.changed(grant.id, grant.status);
  // Still running (an extension moved the end and its event was missed too): wake again at the new end.
  if (grant.status === 'approved' && grant.expiresAt) await deps.jobs.expireAt(grant.id, grant.expiresAt);
}

async function remind(deps: JobDeps, grantId: string) {
  const grant = await deps.store.get(grantId);
  if (grant?.status === 'pending') await deps.messenger?.remind(grant);
}

async function scheduleDeadlines(deps: JobDeps, grant: Grant) {
  const { jobs } = deps;
  if (grant.status === 'pending') {
    await jobs.expireAt(grant.id, grant.decideBy);
    if (deps.reminderAt !== null && deps.messenger) {
      const at = grant.createdAt + (grant.decideBy - grant.createdAt) * deps.reminderAt;
      if (at > deps.now()) await jobs.remindAt(grant.id, at);
    }
    return;
  }
  // One expire deadline per grant: approval (or an extension) moves it to the end of access.
  if (grant.status === 'approved' && grant.expiresAt) {
    await jobs.dropDeadlines(grant.id, ['remind']);
    await jobs.expireAt(grant.id, grant.expiresAt);
  } else {
    await jobs.dropDeadlines(grant.id);
  }
}

function auditSystemTransition(audit: AuditSink, grant: Grant) {
  const last = grant.history.at(-1);
  audit.record({
    type: SYSTEM_EVENTS[grant.status as keyof typeof SYSTEM_EVENTS],
    ...grantFields(grant),
    ...ownerFields(grant.owner),
    actor: last ? { type: last.by.type, id: last.by.id, via: last.by.via } : undefined,
    level: grant.level,
    providers: grant.providers,
    detail: last?.note,
  });
}
