// What the grant jobs do. Jobs only keep messages, audit and schedules tidy: access itself is always decided
// by the grant record and the clock at call time, never by whether a job has run.
import type { AuditSink } from '../audit/audit-log.js';
import { ruleDecision } from '../grants/rules/verdict.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { Logger } from '../lib/logger.js';
import type { ClickDesk } from '../slack/click-desk.js';
import type { SlackMessenger } from '../slack/messenger.js';
import { clickJobHandler } from './click.js';
import { type GrantJobs, isRerun, type JobHandlers, wasDeferred } from './grant-jobs.js';
import { JOB } from './names.js';
import { auditSystemTransition, isSystemStatus, renderSystemTransition } from './system-transition.js';

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
  /** How long once-marks (audit line, reminder, final render) are kept: GRANT_RETENTION. Default 24 h. */
  retentionMs?: number;
  now(): number;
}

/** App Homes follow changes within this window (one re-publish per window, however many changes). */
const HOMES_EVERY_MS = 2000;

export function grantJobHandlers(deps: JobDeps): JobHandlers {
  const { store, jobs, messenger } = deps;
  return {
    [JOB.refresh]: async ({ grantId, status }, run) => {
      // A re-run after a crash reads the message back before updating it: the first run's update may have
      // reached Slack. A first run pays nothing extra.
      const rerun = isRerun(run);
      const grant = await store.get(grantId);
      if (!grant) return;
      // Deferred by Slack before (a busy channel defers a burst's posts many times over): the deadlines were
      // scheduled by that run, and a change since has its own refresh.
      if (!wasDeferred(run)) await scheduleDeadlines(deps, grant);
      // A pending grant shows in App Homes once it has a message: postPending refreshes them then.
      if (deps.refreshHomes && grant.status !== 'pending') await jobs.homes(HOMES_EVERY_MS);
      // A burst of changes renders once: only the job for the grant's current status does the work.
      if (status !== grant.status) return;
      if (grant.status === 'pending') await postPending(deps, grant, rerun);
      else if (isSystemStatus(grant.status)) {
        // Nobody's request caused it: the job is where it gets audited (once, also if the expire handler did).
        await auditSystemTransition(deps, grant);
        await renderSystemTransition(deps, { ...grant, status: grant.status }, { rerun });
      } else await messenger?.sync(grant, status, { rerun });
    },
    // Enqueued only by versions before the pending refresh posted itself: their queued jobs still post.
    [JOB.deliver]: async ({ grantId }, run) => postPending(deps, await store.get(grantId), isRerun(run)),
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

/**
 * Posts a pending grant's message, from its pending refresh: a failure (Slack down) makes the refresh retry, with
 * capped backoff, until the decision deadline; its deadlines were scheduled before, so they do not wait on Slack.
 * One job per request, not a refresh that enqueues a delivery: that second job was a third of creating a request's
 * queue work (its add, move to active and finish).
 */
async function postPending(deps: JobDeps, grant: Grant | null, rerun: boolean) {
  const { store, jobs, messenger } = deps;
  // Decided (or expired) before Slack could be reached: its own refresh tells people; nothing to post.
  if (!messenger || grant?.status !== 'pending' || deps.now() >= grant.decideBy) return;
  // A rule decides it: the request tool applies that decision right after creating it, and the decision's refresh
  // posts the message. Posted now, the requester would be shown Approve and Deny on a request nobody is to decide.
  if (ruleDecision(grant.policy)) return;
  await messenger.sync(grant, 'pending', { rerun });
  // App Home lists what has a message (the Slack index the post just wrote): a Home refresh that ran
  // before the post landed missed it, so refresh once more now.
  if (deps.refreshHomes) await jobs.homes(HOMES_EVERY_MS);
  // Decided while the post was on its way: the refresh found no message to update, so render it now.
  const latest = await store.get(grant.id);
  if (latest && latest.status !== 'pending') await messenger.sync(latest, latest.status);
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
