// Transitions nobody's request caused (the clock, a newer request): audited and re-rendered once, by whichever
// job gets there first (the expire deadline or the refresh), however often either runs again after a crash.
import { grantFields, ownerFields } from '../audit/fields.js';
import type { Grant } from '../grants/types.js';
import type { JobDeps } from './handlers.js';
import { JOB, jobId } from './names.js';

export const SYSTEM_EVENTS = { expired: 'grant.expired', ended: 'grant.ended' } as const;

export type SystemStatus = keyof typeof SYSTEM_EVENTS;

/** Marks outlive every re-run of a job for the grant when they last as long as the grant may be read. */
export const DEFAULT_MARK_KEEP_MS = 24 * 3_600_000;

export const isSystemStatus = (status: string): status is SystemStatus => status in SYSTEM_EVENTS;

const keepMs = (deps: JobDeps) => deps.retentionMs ?? DEFAULT_MARK_KEEP_MS;
const renderEffect = (status: SystemStatus) => `render-${status}`;

/**
 * The audit event, once per grant and status: with the sink's atomic mark-and-write when it has one (then a
 * crash before it leaves it to the repeat, a crash after it leaves nothing to repeat). A sink without it gets
 * a mark taken first and the fire-and-forget write (a crash in between loses the event rather than doubling).
 */
export async function auditSystemTransition(deps: JobDeps, grant: Grant): Promise<void> {
  if (!isSystemStatus(grant.status)) return;
  const last = grant.history.at(-1);
  const event = {
    type: SYSTEM_EVENTS[grant.status],
    ...grantFields(grant),
    ...ownerFields(grant.owner),
    actor: last ? { type: last.by.type, id: last.by.id, via: last.by.via } : undefined,
    level: grant.level,
    providers: grant.providers,
    detail: last?.note,
  };
  const once = `${grant.id}:${grant.status}`;
  if (deps.audit.recordOnce) await deps.audit.recordOnce(event, { key: once, keepMs: keepMs(deps) });
  else if (await deps.jobs.marks.first(grant.id, `audit-${grant.status}`, keepMs(deps)))
    deps.audit.record(event);
}

/** In the refresh job: the message re-rendered for the final state, skipped when a previous run did it. */
export async function renderSystemTransition(
  deps: JobDeps,
  grant: Grant & { status: SystemStatus },
  options: { rerun?: boolean } = {},
) {
  const effect = renderEffect(grant.status);
  if (await deps.jobs.marks.isDone(grant.id, effect)) return;
  await deps.messenger?.sync(grant, grant.status, options);
  await deps.jobs.marks.done(grant.id, effect, keepMs(deps));
}

/**
 * In the expire handler: makes sure the refresh that renders the final state exists. The relay's path (a
 * dedupe key, then the job) alone is not enough: a crash between the two leaves a key and no job. So the job
 * is also added directly: BullMQ ignores that while the job is waiting or running, and once it ran, its mark
 * says so (a rare extra run in between finds the marks and does nothing).
 */
export async function ensureSystemRefresh(deps: JobDeps, grant: Grant & { status: SystemStatus }) {
  await deps.jobs.changed(grant.id, grant.status);
  if (await deps.jobs.marks.isDone(grant.id, renderEffect(grant.status))) return;
  await deps.jobs.queue.add(
    JOB.refresh,
    { grantId: grant.id, status: grant.status },
    { jobId: jobId.refresh(grant.id, grant.status) },
  );
}
