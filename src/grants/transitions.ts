// The grant state machine as pure functions: each change checks TRANSITIONS and records who, when and how.
import { formatDuration } from '../lib/duration.js';
import type { NewBroadGrant, NewRequestGrant } from './store-api.js';
import {
  type Actor,
  type ApprovalChoice,
  FINAL_STATUSES,
  type Grant,
  type GrantStatus,
  type HistoryEntry,
  type Level,
  TRANSITIONS,
} from './types.js';

/** Longest approver note, denial reason or assistant reason we keep (Slack's input limit is 3000). */
export const MAX_TEXT_CHARS = 2000;
/** Shortest access an approver may pick. */
export const MIN_ACCESS_MS = 1000;

/** The actors of changes nobody clicked: the clock, or a newer request from the same session. */
export const SYSTEM_ACTORS = {
  decisionWindow: { type: 'system', id: 'decision-window', via: 'system' },
  accessDuration: { type: 'system', id: 'access-duration', via: 'system' },
  newerRequest: { type: 'system', id: 'newer-request', via: 'system' },
} as const satisfies Record<string, Actor>;

/** Why a transition was refused: `conflict` = the grant is not in a state that allows it; `invalid` = bad choice. */
export interface TransitionError {
  error: string;
  code: 'conflict' | 'invalid';
}

/** Bad input to a new grant (thrown: the caller validates first, so this is a programming or input error). */
export class GrantInputError extends Error {
  readonly code = 'invalid_input' as const;
}

export const isTransitionError = (value: Grant | TransitionError): value is TransitionError =>
  'error' in value;

/** What a grant holds before anyone decided on it: nothing yet. */
export const UNDECIDED = {
  approvedAt: null,
  expiresAt: null,
  endedAt: null,
  instructions: null,
  statusReason: null,
  decidedBy: null,
  supersededBy: null,
} as const satisfies Partial<Grant>;

/** Every transition appends one history entry, so the history length is the record's version for CAS. */
export const grantVersion = (grant: Grant): number => grant.history.length;

const LEVEL_RANK: Record<Level, number> = { read: 1, write: 2 };

interface CreateContext {
  id: string;
  now: number;
  decisionWindowMs: number;
}

/** New pending broad grant. `maxAccessMs`, when given, caps the duration proposed to the approver. */
export function newBroadGrant(input: NewBroadGrant, ctx: CreateContext & { maxAccessMs?: number }): Grant {
  const providers = uniqueProviders(input.providers);
  if (providers.length === 0) {
    throw new GrantInputError('a broad request needs at least one provider: an empty list grants nothing');
  }
  requirePositiveMs(input.durationMs, 'durationMs');
  const cap = Math.min(ctx.maxAccessMs ?? Infinity, input.policy?.maxDurationMs ?? Infinity);
  const proposed = Math.min(input.durationMs, cap);
  return created(
    'broad',
    input,
    ctx,
    { level: input.level, providers, request: null, durationMs: input.durationMs },
    proposed,
  );
}

/** New pending per-request grant, bound to one exact call. `durationMs`: how long the approved call stays usable. */
export function newRequestGrant(input: NewRequestGrant, ctx: CreateContext & { durationMs: number }): Grant {
  const [provider] = uniqueProviders([input.provider]);
  if (!provider) throw new GrantInputError('a per-request grant needs its provider');
  if (!input.request.url) throw new GrantInputError('a per-request grant needs the URL of the call');
  requirePositiveMs(ctx.durationMs, 'durationMs');
  const request = { method: input.request.method, url: input.request.url, body: input.request.body ?? null };
  return created(
    'request',
    input,
    ctx,
    { level: input.level, providers: [provider], request, durationMs: ctx.durationMs },
    ctx.durationMs,
  );
}

function created(
  kind: Grant['kind'],
  input: NewBroadGrant | NewRequestGrant,
  ctx: CreateContext,
  what: { level: Level; providers: string[]; request: Grant['request']; durationMs: number },
  proposedMs: number,
): Grant {
  requirePositiveMs(ctx.decisionWindowMs, 'decisionWindowMs');
  const reason = cleanText(input.reason, 'reason');
  if (typeof reason !== 'string' && reason !== null) throw new GrantInputError(reason.error);
  const by: Actor = {
    type: 'assistant',
    id: input.owner.userId,
    email: input.owner.userEmail,
    ...(input.clientName ? { name: input.clientName } : {}),
    via: 'mcp',
  };
  return {
    id: ctx.id,
    kind,
    status: 'pending',
    owner: { ...input.owner, organizationId: input.owner.organizationId ?? null },
    clientName: input.clientName ?? null,
    reason,
    level: what.level,
    requestedLevel: what.level,
    providers: [...what.providers],
    requestedProviders: [...what.providers],
    request: what.request,
    createdAt: ctx.now,
    decideBy: ctx.now + ctx.decisionWindowMs,
    requestedDurationMs: what.durationMs,
    durationMs: proposedMs,
    ...UNDECIDED,
    uses: 0,
    history: [{ status: 'pending', at: ctx.now, by }],
    ...(input.policy ? { policy: input.policy } : {}),
  };
}

/**
 * pending → approved, narrowing only: providers a non-empty subset of those requested, level write→read at most
 * (never for a per-request grant, whose call needs its level), duration 1 s..maxAccessMs. The clock starts now.
 */
export function applyApproval(
  grant: Grant,
  by: Actor,
  choice: ApprovalChoice,
  ctx: { now: number; maxAccessMs: number },
): Grant | TransitionError {
  const refused = refuse(grant, 'approved');
  if (refused) return refused;
  if (ctx.now >= grant.decideBy) return { code: 'conflict', error: 'the decision window has closed' };

  const providers =
    choice.providers === undefined ? grant.requestedProviders : uniqueProviders(choice.providers);
  if (providers.length === 0) {
    return invalid('choose at least one provider: an empty selection grants nothing');
  }
  const unknown = providers.filter((p) => !grant.requestedProviders.includes(p));
  if (unknown.length > 0) {
    return invalid(
      `${unknown.map((p) => `"${p}"`).join(', ')} ${unknown.length === 1 ? 'was' : 'were'} not requested ` +
        `(requested: ${grant.requestedProviders.join(', ')}); an approval may only narrow the request`,
    );
  }

  const level = choice.level ?? grant.requestedLevel;
  if (level !== 'read' && level !== 'write') return invalid(`unknown access level "${String(level)}"`);
  if (LEVEL_RANK[level] > LEVEL_RANK[grant.requestedLevel]) {
    return invalid(`${grant.requestedLevel} access was requested; an approval cannot widen it to ${level}`);
  }
  if (grant.kind === 'request' && level !== grant.requestedLevel) {
    return invalid(`this call needs ${grant.requestedLevel} access; approve it as asked or deny it`);
  }

  const durationMs = choice.durationMs ?? Math.min(grant.requestedDurationMs, ctx.maxAccessMs);
  if (!Number.isInteger(durationMs) || durationMs < MIN_ACCESS_MS || durationMs > ctx.maxAccessMs) {
    return invalid(`the duration must be between 1 second and ${formatDuration(ctx.maxAccessMs)}`);
  }

  const instructions = cleanText(choice.instructions, 'instructions');
  if (instructions !== null && typeof instructions !== 'string') return invalid(instructions.error);

  // Keep the requested order so texts read the same in every view.
  const granted = grant.requestedProviders.filter((p) => providers.includes(p));
  const narrowed =
    granted.length < grant.requestedProviders.length || level !== grant.requestedLevel
      ? ` (asked: ${grant.requestedLevel} on ${grant.requestedProviders.join(', ')})`
      : '';
  const note = `${level} on ${granted.join(', ')} for ${formatDuration(durationMs)}${narrowed}`;
  return moved(grant, 'approved', by, ctx.now, note, {
    level,
    providers: granted,
    durationMs,
    approvedAt: ctx.now,
    expiresAt: ctx.now + durationMs,
    instructions,
    decidedBy: by,
  });
}

/** pending → denied, with the approver's reason (trimmed; blank → none). */
export function applyDenial(
  grant: Grant,
  by: Actor,
  reason: string | null | undefined,
  ctx: { now: number },
): Grant | TransitionError {
  const refused = refuse(grant, 'denied');
  if (refused) return refused;
  const text = cleanText(reason, 'reason');
  if (text !== null && typeof text !== 'string') return invalid(text.error);
  return moved(grant, 'denied', by, ctx.now, text, { statusReason: text, decidedBy: by });
}

/** pending → cancelled: the assistant withdrew its own request. */
export function applyCancel(grant: Grant, by: Actor, ctx: { now: number }): Grant | TransitionError {
  const refused = refuse(grant, 'cancelled');
  if (refused) return refused;
  return moved(grant, 'cancelled', by, ctx.now, 'withdrawn by the assistant', {
    statusReason: 'withdrawn by the assistant',
  });
}

/** approved → ended | revoked | released. `supersededBy`: the grant that replaced this one, if any. */
export function applyFinish(
  grant: Grant,
  to: 'ended' | 'revoked' | 'released',
  by: Actor,
  note: string | null | undefined,
  ctx: { now: number; supersededBy?: string },
): Grant | TransitionError {
  // Typed callers cannot pass 'consumed', but consume has owner checks a finish must not bypass.
  if (!['ended', 'revoked', 'released'].includes(to)) return invalid(`finish cannot move a grant to ${to}`);
  const refused = refuse(grant, to);
  if (refused) return refused;
  const text = cleanText(note, 'note');
  if (text !== null && typeof text !== 'string') return invalid(text.error);
  return moved(grant, to, by, ctx.now, text, {
    statusReason: text,
    ...(ctx.supersededBy ? { supersededBy: ctx.supersededBy } : {}),
  });
}

/**
 * approved → approved with a later end: an approver moves the end to `untilMs` (an absolute time, so the same
 * choice applied twice adds nothing the second time), never past `maxAccessMs` from approval. The history gains
 * an `approved` entry (the record's version moves, so racing extensions cannot both apply).
 */
export function applyExtension(
  grant: Grant,
  by: Actor,
  untilMs: number,
  ctx: { now: number; maxAccessMs: number },
): Grant | TransitionError {
  if (grant.status !== 'approved' || grant.approvedAt === null || grant.expiresAt === null)
    return { code: 'conflict', error: `the grant is ${grant.status} and cannot be extended` };
  if (ctx.now >= grant.expiresAt) return { code: 'conflict', error: 'the access has already ended' };
  if (!Number.isFinite(untilMs)) return invalid('the new end must be a time');
  const ceiling = grant.approvedAt + ctx.maxAccessMs;
  if (grant.expiresAt >= ceiling)
    return invalid(`the access already runs for the maximum of ${formatDuration(ctx.maxAccessMs)}`);
  // A replayed or out-of-date choice: the access already runs this long (an earlier extension reached it).
  if (untilMs <= grant.expiresAt)
    return invalid('the access already runs at least that long; nothing was added');
  const expiresAt = Math.min(untilMs, ceiling);
  if (expiresAt - grant.expiresAt < MIN_ACCESS_MS)
    return invalid(`extend by at least ${formatDuration(MIN_ACCESS_MS)}`);
  const durationMs = expiresAt - grant.approvedAt;
  return moved(grant, 'approved', by, ctx.now, `extended to ${formatDuration(durationMs)} in all`, {
    expiresAt,
    durationMs,
  });
}

/** approved per-request grant → consumed: its single use. Owner checks belong to the store. */
export function applyConsume(grant: Grant, by: Actor, ctx: { now: number }): Grant | TransitionError {
  if (grant.kind !== 'request')
    return invalid('only a per-request grant is consumed; broad access is not single-use');
  const refused = refuse(grant, 'consumed');
  if (refused) return refused;
  if (grant.expiresAt === null || ctx.now >= grant.expiresAt)
    return { code: 'conflict', error: 'the approval has expired' };
  return moved(grant, 'consumed', by, ctx.now, null, {});
}

/** pending → superseded by a newer broad request of the same session. */
export function applySupersede(grant: Grant, newerId: string, ctx: { now: number }): Grant | TransitionError {
  const refused = refuse(grant, 'superseded');
  if (refused) return refused;
  const note = `superseded by ${newerId}`;
  return moved(grant, 'superseded', SYSTEM_ACTORS.newerRequest, ctx.now, note, {
    statusReason: note,
    supersededBy: newerId,
  });
}

/**
 * The grant as the clock sees it: pending past decideBy reads as `expired`, approved past expiresAt as `ended`.
 * The change is stamped at the deadline itself, so every reader computes the same record.
 */
export function withClock(
  grant: Grant,
  now: number,
): { grant: Grant; transition: { from: GrantStatus; to: GrantStatus } | null } {
  if (grant.status === 'pending' && now >= grant.decideBy) {
    const next = moved(
      grant,
      'expired',
      SYSTEM_ACTORS.decisionWindow,
      grant.decideBy,
      'no decision in time',
      {
        statusReason: 'no decision in time',
      },
    );
    return { grant: next, transition: { from: 'pending', to: 'expired' } };
  }
  if (grant.status === 'approved' && grant.expiresAt !== null && now >= grant.expiresAt) {
    const next = moved(grant, 'ended', SYSTEM_ACTORS.accessDuration, grant.expiresAt, 'access time ran out', {
      statusReason: 'access time ran out',
    });
    return { grant: next, transition: { from: 'approved', to: 'ended' } };
  }
  return { grant, transition: null };
}

/** Trims text; blank → null; too long → an error rather than a silent cut. */
export function cleanText(text: string | null | undefined, field: string): string | null | { error: string } {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') return { error: `${field} must be text` };
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.length > MAX_TEXT_CHARS)
    return { error: `${field} is limited to ${MAX_TEXT_CHARS} characters` };
  return trimmed;
}

function refuse(grant: Grant, to: GrantStatus): TransitionError | null {
  if (TRANSITIONS[grant.status].includes(to)) return null;
  return { code: 'conflict', error: `the grant is ${grant.status} and cannot become ${to}` };
}

function moved(
  grant: Grant,
  to: GrantStatus,
  by: Actor,
  at: number,
  note: string | null,
  patch: Partial<Grant>,
): Grant {
  const entry: HistoryEntry = note ? { status: to, at, by, note } : { status: to, at, by };
  return {
    ...grant,
    ...patch,
    status: to,
    endedAt: FINAL_STATUSES.has(to) ? at : grant.endedAt,
    history: [...grant.history, entry],
  };
}

const invalid = (error: string): TransitionError => ({ code: 'invalid', error });

/** Trimmed, de-duplicated, blanks dropped: an empty result means no providers, never all. */
function uniqueProviders(providers: readonly string[]): string[] {
  if (!Array.isArray(providers)) return [];
  return [...new Set(providers.filter((p) => typeof p === 'string').map((p) => p.trim()))].filter(Boolean);
}

function requirePositiveMs(ms: number, name: string): void {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new GrantInputError(`${name} must be a positive whole number of ms`);
}
