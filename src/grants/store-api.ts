// The contract of the grant store: every read and every atomic transition the adapters may use.
import type { Quorum } from './quorum.js';
import type {
  Actor,
  ApprovalChoice,
  Grant,
  GrantPolicy,
  GrantStatus,
  GrantUsage,
  SessionIdentity,
} from './types.js';

export interface SessionRecord extends SessionIdentity {
  createdAt: number;
  /** MCP client name captured at `initialize`. */
  clientName: string | null;
  /** The client declared URL-mode elicitation at `initialize` (2025-11-25): it can take the consent link as -32042. */
  clientUrlElicitation: boolean;
  /** The grant last handed to that client as a URL elicitation (-32042): its retry resumes it. */
  elicitedGrantId: string | null;
  pendingBroadId: string | null;
  activeBroadId: string | null;
}

export type TransitionFailure =
  /** No such grant (or retention ran out). */
  | { ok: false; code: 'not_found' }
  /** Someone else changed it first; `grant` is its current state (e.g. approved by X). */
  | { ok: false; code: 'conflict'; grant: Grant }
  /** The choice widens the request, names unknown providers, or the call does not match. */
  | { ok: false; code: 'invalid'; grant: Grant; message: string }
  /** The grant belongs to another session. */
  | { ok: false; code: 'forbidden' };

export type TransitionResult = { ok: true; grant: Grant; previous: Grant } | TransitionFailure;

/** What one upstream call needs of the session's broad grant. */
export interface UseNeed {
  provider: string;
  level: 'read' | 'write';
}

export type UseAuthorization =
  /** Approved for this call, and the call counted (`grant.uses` includes it). */
  | { ok: true; grant: Grant }
  /** No approved, unexpired broad grant of this user in this session. */
  | { ok: false; code: 'no_access' }
  /** The grant does not cover the provider, or only reads; nothing was counted. */
  | { ok: false; code: 'provider_not_granted' | 'write_not_granted'; grant: Grant };

export interface NewBroadGrant {
  owner: SessionIdentity;
  clientName: string | null;
  reason: string | null;
  level: 'read' | 'write';
  providers: string[];
  durationMs: number;
  /** The policy's verdict; its maxDurationMs caps the access. */
  policy?: GrantPolicy | null;
}

export interface NewRequestGrant {
  owner: SessionIdentity;
  clientName: string | null;
  reason: string | null;
  level: 'read' | 'write';
  provider: string;
  request: Grant['request'] & object;
  policy?: GrantPolicy | null;
}

export interface GrantStore {
  /** Get-or-create the session for (sid, org); refreshes email and, when given, the client name. */
  touchSession(identity: SessionIdentity, clientName?: string | null): Promise<SessionRecord>;
  getSession(identity: Pick<SessionIdentity, 'sid' | 'organizationId'>): Promise<SessionRecord | null>;
  /** Sets one MCP-client field of an existing session (what the client declared, the grant it was sent to). */
  setSessionClientField(
    identity: Pick<SessionIdentity, 'sid' | 'organizationId'>,
    field: 'clientUrlElicitation' | 'elicitedGrantId',
    value: string,
  ): Promise<void>;

  /** New pending broad grant; atomically supersedes the session's previous pending broad grant. */
  createBroad(input: NewBroadGrant): Promise<{ grant: Grant; superseded: Grant | null }>;
  /** New pending per-request grant. */
  createRequest(input: NewRequestGrant): Promise<Grant>;

  /** Current record, with the clock applied (a pending grant past its window reads as expired, etc.). */
  get(id: string): Promise<Grant | null>;
  /** The approved, unexpired broad grant of a session, if any, and only when `identity.userId` owns it. */
  activeBroad(identity: Pick<SessionIdentity, 'sid' | 'organizationId' | 'userId'>): Promise<Grant | null>;

  /**
   * Approves at once, or (with `quorum`) records one person's approval toward N-of-M and approves when the
   * last needed one lands. The count runs inside the same compare-and-set as the write.
   */
  approve(id: string, by: Actor, choice: ApprovalChoice, quorum?: Quorum): Promise<TransitionResult>;
  deny(id: string, by: Actor, reason: string | null): Promise<TransitionResult>;
  /** pending → cancelled: the assistant withdrew its own request. */
  cancel(id: string, by: Actor): Promise<TransitionResult>;
  /** approved → ended | revoked | released. */
  finish(
    id: string,
    to: Extract<GrantStatus, 'ended' | 'revoked' | 'released'>,
    by: Actor,
    note?: string | null,
  ): Promise<TransitionResult>;
  /** approved → approved, ending at `untilMs` (capped at the maximum duration from approval; never earlier). */
  extend(id: string, by: Actor, untilMs: number): Promise<TransitionResult>;
  /** approved request grant → consumed, only for its owner and only before it expires. Single use. */
  consume(id: string, owner: SessionIdentity, by: Actor): Promise<TransitionResult>;
  /**
   * The per-call path (one Redis round trip): the session's approved broad grant checked for this call's
   * provider and level and, when it passes, the call counted.
   */
  authorizeUse(
    identity: Pick<SessionIdentity, 'sid' | 'organizationId' | 'userId'>,
    need: UseNeed,
  ): Promise<UseAuthorization>;
  /**
   * The status class of a call authorizeUse counted, for the usage line: batched, written within about a second
   * (a crash loses at most that much of these counts, never the call count); close() writes the rest.
   */
  recordOutcome(id: string, outcome: { status: number; at: number }): void;
  /** Counts one upstream call made under an approved grant, with its answer's status when there was one. */
  recordUse(id: string, outcome?: { status: number; at: number }): Promise<void>;
  /** What recordUse has counted, for the Slack message. */
  usage(id: string): Promise<GrantUsage>;

  /**
   * Resolves as soon as the grant leaves `pending` (or `timeoutMs` passes), without polling:
   * every transition publishes on a Redis channel. Returns the current record. `onWake` runs just as the record
   * is read again, so reads the caller starts there share its round trip; `byEvent` says whether a message on the
   * subscription woke it (rather than the timer, an abort or close).
   */
  waitForDecision(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    onWake?: (byEvent: boolean) => void,
  ): Promise<Grant | null>;
}
