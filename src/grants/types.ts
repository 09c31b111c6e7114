// The grant model: what an assistant asked for, what a person decided, and every step in between.

export type Level = 'read' | 'write';
export type GrantKind = 'broad' | 'request';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const GRANT_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'superseded',
  'cancelled',
  'ended',
  'revoked',
  'released',
  'consumed',
] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** Statuses from which nothing can follow. */
export const FINAL_STATUSES: ReadonlySet<GrantStatus> = new Set([
  'denied',
  'expired',
  'superseded',
  'cancelled',
  'ended',
  'revoked',
  'released',
  'consumed',
]);

/** Every allowed status change; anything else is refused by the store. */
export const TRANSITIONS: Readonly<Record<GrantStatus, readonly GrantStatus[]>> = {
  pending: ['approved', 'denied', 'expired', 'superseded', 'cancelled'],
  approved: ['ended', 'revoked', 'released', 'consumed'],
  denied: [],
  expired: [],
  superseded: [],
  cancelled: [],
  ended: [],
  revoked: [],
  released: [],
  consumed: [],
};

/** Who caused a transition. `system` is the clock or a newer request; `assistant` the MCP client. */
export interface Actor {
  type: 'user' | 'assistant' | 'system';
  /** WorkOS user id, Slack user id, or a system reason such as "decision-window". */
  id: string;
  email?: string;
  name?: string;
  /** Where the action came from. */
  via: 'web' | 'slack' | 'mcp' | 'system';
}

export interface HistoryEntry {
  status: GrantStatus;
  at: number;
  by: Actor;
  note?: string;
}

/** How a grant has been used: upstream answers by status class (`2xx`, `4xx`, …) and the last call's time. */
export interface GrantUsage {
  calls: number;
  byClass: Record<string, number>;
  lastAt: number | null;
}

/** The exact call a per-request grant allows: method, normalized URL and canonical JSON body. */
export interface BoundRequest {
  method: HttpMethod;
  url: string;
  /** Canonical JSON text of the body (sorted keys), or null when no body was approved. */
  body: string | null;
}

/** The MCP-side identity a grant belongs to: AuthKit session id + organization, and the user. */
export interface SessionIdentity {
  sid: string;
  organizationId: string | null;
  userId: string;
  userEmail: string;
}

export interface Grant {
  id: string;
  kind: GrantKind;
  status: GrantStatus;
  owner: SessionIdentity;
  /** The MCP client's name from `initialize` (e.g. "claude-code"), when known. */
  clientName: string | null;
  /** The assistant's reason, shown to the approver. */
  reason: string | null;

  /** Requested level (broad) or the level the call needs (request). After approval: the granted level. */
  level: Level;
  /** Level originally asked for; `level` may be lower after a downgrade. */
  requestedLevel: Level;
  /** Providers asked for (broad) or the call's provider (request). After approval: the granted ones. */
  providers: string[];
  requestedProviders: string[];
  request: BoundRequest | null;

  createdAt: number;
  /** A pending grant not decided by this time becomes `expired`. */
  decideBy: number;
  /** Access duration asked for (broad) in ms; the approver may shorten it. */
  requestedDurationMs: number;
  durationMs: number;
  approvedAt: number | null;
  /** When access ends (approval time + duration); null until approved. Always checked against the clock. */
  expiresAt: number | null;
  /** Set on every final transition. */
  endedAt: number | null;

  /** The approver's notes: instructions to the assistant when approved. */
  instructions: string | null;
  /** The reason given when denied, revoked or ended. */
  statusReason: string | null;
  decidedBy: Actor | null;
  /** Grant that superseded this one, or that this one replaced. */
  supersededBy: string | null;
  /** Number of upstream calls made under this grant. */
  uses: number;
  history: HistoryEntry[];
  /** The rules that governed the request (absent on grants made before rules were consulted). */
  policy?: GrantPolicy | null;
  /** Approvals recorded so far (N-of-M); the grant is approved when the last needed one lands. */
  approvals?: RecordedApproval[];
}

/** What one provider of a request needs, as the policy in force decided (see src/grants/rules/evaluate.ts). */
export interface GrantGate {
  provider: string;
  rules: string[];
  decision: 'approve' | 'deny' | 'needs-approval';
  /** Distinct approvers needed (0 when decided by a rule). */
  approvals: number;
  approvers: { slackUsers: string[]; slackGroups: string[]; emails: string[] };
  requesterMaySelfApprove: boolean;
  /** The highest level the requester may approve themselves on this provider. */
  selfApprove: Level | 'none';
  channels: string[];
  /** Rules whose hours did not hold when judged (their outsideHours applied); absent when none. */
  outsideHours?: string[];
}

/** The policy's verdict recorded on the grant: which version, which rules, and what each provider needs. */
export interface GrantPolicy {
  /** Hash of the policy text in force (every instance records the version it decided under). */
  version: string;
  /** Ids of every rule that governed some provider, in file order. */
  rules: string[];
  /** The rule that decided at once (auto-approve or auto-deny), if any. */
  decidedByRule: string | null;
  gates: GrantGate[];
  maxDurationMs: number | null;
}

/** One person's approval toward N-of-M: who, when, and the scope they approved. */
export interface RecordedApproval {
  by: Actor;
  /** One key per human (lower-cased email, else `slack:<id>`), so the same person never counts twice. */
  person: string;
  at: number;
  providers: string[];
  level: Level;
  durationMs: number;
  /** The providers this approval counts toward (where the person was an eligible approver). */
  countsFor: string[];
}

/** What an approver chose: at most what was asked, never more. */
export interface ApprovalChoice {
  providers?: string[];
  level?: Level;
  durationMs?: number;
  instructions?: string | null;
}
