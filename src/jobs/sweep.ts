// The deadline sweep: leases passed deadlines, handles each (apply the clock, or remind the approvers once), and
// lets a deadline go only once its handling is recorded. Run on a timer in every worker (src/jobs/sweep-timer.ts).
// A worker that dies mid-sweep leaves leases that run out within LEASE_MS; the next sweep anywhere takes them
// again, and the handlers make the repeat harmless.
import type { DueDeadline } from './deadlines.js';
import type { JobDeps } from './handlers.js';
import {
  auditSystemTransition,
  DEFAULT_MARK_KEEP_MS,
  ensureSystemRefresh,
  isSystemStatus,
} from './system-transition.js';

/** Deadlines leased per round; a sweep runs rounds until nothing more is due. */
const SWEEP_BATCH = 100;
/** Deadlines of a round handled at once (each is a few Redis round trips). */
const SWEEP_CONCURRENCY = 8;
/**
 * How long a lease holds without renewal: after a crash, the longest a taken deadline waits for another worker
 * (a restarted worker's catch-up sweep waits out what is left of it). Short, since renewing (three times a
 * lease) is cheap and a holder stalled past it only costs a harmless repeat.
 */
export const LEASE_MS = 2000;
const RENEW_EVERY_MS = LEASE_MS / 3;
/** A deadline whose handling failed (or could not start) is retried this much later. */
export const SWEEP_RETRY_MS = 1000;
/** A reminder being sent is someone else's for this long; after a crash it is sent again. */
const REMIND_HOLD_MS = 10_000;

export async function sweepDeadlines(deps: JobDeps): Promise<void> {
  const { deadlines } = deps.jobs;
  for (;;) {
    const due = await deadlines.claimDue(deps.now(), SWEEP_BATCH, LEASE_MS);
    if (due.length === 0) return;
    const held = new Set(due);
    const renewal = setInterval(() => {
      deadlines.renew([...held], deps.now() + LEASE_MS).catch(() => undefined);
    }, RENEW_EVERY_MS);
    try {
      await handleRound(deps, due, held);
    } finally {
      clearInterval(renewal);
    }
    if (due.length < SWEEP_BATCH) return;
  }
}

/** Handles a round's deadlines; on the first failure the rest go back untouched and the error is thrown. */
async function handleRound(deps: JobDeps, due: DueDeadline[], held: Set<DueDeadline>) {
  const { deadlines } = deps.jobs;
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (!failure && next < due.length) {
      const deadline = due[next++]!;
      try {
        if (await handle(deps, deadline)) await deadlines.complete(deadline);
        else await deadlines.giveBack([deadline], deps.now() + SWEEP_RETRY_MS);
        held.delete(deadline);
      } catch (error) {
        failure ??= { error };
        held.delete(deadline);
        // Put it back so nothing is lost; a Slack 429 (RetryLater) also pauses the sweep timer.
        await deadlines.giveBack([deadline], deps.now() + SWEEP_RETRY_MS);
      }
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, lane));
  if (!failure) return;
  // Not attempted: due now, for the next sweep (after the timer's pause when Slack asked for one).
  await deadlines.giveBack([...held], deps.now());
  throw (failure as { error: unknown }).error;
}

/** True once the deadline's work is recorded; false to try again shortly (someone else is on it). */
function handle(deps: JobDeps, { kind, grantId }: DueDeadline): Promise<boolean> {
  return kind === 'expire' ? expire(deps, grantId) : remind(deps, grantId);
}

/**
 * At a grant's deadline: reading applies the clock and persists the transition. Recorded means: the system
 * event audited and a refresh for the new status enqueued (it re-renders the message).
 */
async function expire(deps: JobDeps, grantId: string): Promise<boolean> {
  const grant = await deps.store.get(grantId);
  if (!grant) return true;
  if (isSystemStatus(grant.status)) {
    await auditSystemTransition(deps, grant);
    await ensureSystemRefresh(deps, { ...grant, status: grant.status });
    return true;
  }
  // Backstop for an event the relay missed (its subscriber was reconnecting): the refresh for the current
  // status is a no-op if it already ran, and otherwise takes the buttons off a decided request.
  await deps.jobs.changed(grant.id, grant.status);
  // Still running (an extension moved the end and its event was missed too): wake again at the new end.
  if (grant.status === 'approved' && grant.expiresAt) await deps.jobs.expireAt(grant.id, grant.expiresAt);
  return true;
}

/** One reminder per grant: taken before posting, marked done after, so a crash re-sends rather than loses it. */
async function remind(deps: JobDeps, grantId: string): Promise<boolean> {
  const { messenger, jobs } = deps;
  const grant = await deps.store.get(grantId);
  if (grant?.status !== 'pending' || !messenger) return true;
  const state = await jobs.marks.begin(grant.id, 'remind', REMIND_HOLD_MS);
  if (state !== 'go') return state === 'done';
  try {
    await messenger.remind(grant);
  } catch (error) {
    await jobs.marks.release(grant.id, 'remind');
    throw error;
  }
  await jobs.marks.done(grant.id, 'remind', deps.retentionMs ?? DEFAULT_MARK_KEEP_MS);
  return true;
}
