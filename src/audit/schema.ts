// The audit event schema (version 1): the TypeScript type writers use, and the zod schema the export and
// tests check records against. Documented field by field in docs/audit-events.md; keep the two in step.
import { z } from 'zod';

/** Bumped on any incompatible change; records written before versioning carry no `v` (read them as 0). */
export const AUDIT_SCHEMA_VERSION = 1;

export const AUDIT_EVENT_TYPES = [
  'grant.requested',
  'grant.superseded',
  'grant.approval_recorded',
  'grant.approved',
  'grant.denied',
  'grant.expired',
  'grant.ended',
  'grant.extended',
  'grant.revoked',
  'grant.released',
  'grant.consumed',
  'grant.decision_refused',
  'api.call',
  'api.refused',
  'integration.connect_requested',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who did it. `id` is the id in the channel the action came through; the other ids join the channels up. */
export interface AuditActor {
  type: 'user' | 'assistant' | 'system';
  /** WorkOS user id (via web or mcp), Slack user id (via slack), or a system reason such as "decision-window". */
  id: string;
  email?: string | undefined;
  via: 'web' | 'slack' | 'mcp' | 'system';
  /** The person's Slack user id, when known (always for via slack). */
  slackUserId?: string | undefined;
  /** The person's WorkOS user id, when known (always for via web and mcp). */
  workosUserId?: string | undefined;
}

/** Where the grant's Slack message lives, when the writer knows it. */
export interface AuditSlackRef {
  channel: string;
  ts: string;
}

/** An upstream call, made or refused, or the exact call a per-call grant asks for. Never a token or a body. */
export interface AuditUpstream {
  method: string;
  host?: string | undefined;
  /** Path only: the query string is never recorded. */
  path?: string | undefined;
  /** The provider's HTTP status, when it answered. */
  status?: number | undefined;
  durationMs?: number | undefined;
  /** Why the call failed before an answer (`timeout`, `unreachable`, `redirect_refused`, …). */
  error?: string | undefined;
}

/**
 * One audit record as writers pass it to `AuditSink.record` (the log adds `v` and the time). Never holds
 * tokens or bodies: ids, emails, names of things, methods, hosts, paths, statuses, durations.
 */
export interface AuditEvent {
  type: AuditEventType;
  /** Set by AuditLog on write; writers leave it out. */
  v?: number;
  grantId?: string | undefined;
  /** Per-call (`request`) or session-wide (`broad`) grant. */
  kind?: 'broad' | 'request' | undefined;
  /** The grant owner (or, without a grant, the MCP caller): WorkOS user id and email. */
  userId?: string | undefined;
  userEmail?: string | undefined;
  /** The owner's AuthKit session id (the MCP session) and organization. */
  sid?: string | undefined;
  organizationId?: string | null | undefined;
  actor?: AuditActor | undefined;
  slack?: AuditSlackRef | undefined;
  /** One id per MCP tool call: every event the call caused carries it. */
  callId?: string | undefined;
  provider?: string | undefined;
  providers?: string[] | undefined;
  level?: string | undefined;
  /** Access length in ms: asked for (requested, broad) or granted (approved, extended). Not a call's time. */
  durationMs?: number | undefined;
  /** When the access ends (epoch ms), for approved and extended grants. */
  expiresAt?: number | undefined;
  upstream?: AuditUpstream | undefined;
  /** A short machine-readable reason or note: refusal code, final status, superseding grant id, … */
  detail?: string | undefined;
  /** Ids of the approval-policy rules that governed the grant. */
  rules?: string[] | undefined;
  /** The policy version (hash of its text) the grant was judged under. */
  policyVersion?: string | undefined;
}

const text = z.string().max(2000);
const optional = <T extends z.ZodType>(schema: T) => schema.optional();

export const auditActorSchema = z.strictObject({
  type: z.enum(['user', 'assistant', 'system']),
  id: text,
  email: optional(text),
  via: z.enum(['web', 'slack', 'mcp', 'system']),
  slackUserId: optional(text),
  workosUserId: optional(text),
});

export const auditUpstreamSchema = z.strictObject({
  method: z.string().max(16),
  host: optional(text),
  path: optional(z.string().max(4096)),
  status: optional(z.number().int()),
  durationMs: optional(z.number().nonnegative()),
  error: optional(text),
});

/** A stored event, strictly: an unknown field (a token, a body) fails validation. */
export const auditEventSchema = z.strictObject({
  v: z.literal(AUDIT_SCHEMA_VERSION),
  type: z.enum(AUDIT_EVENT_TYPES),
  grantId: optional(text),
  kind: optional(z.enum(['broad', 'request'])),
  userId: optional(text),
  userEmail: optional(text),
  sid: optional(text),
  organizationId: optional(text.nullable()),
  actor: optional(auditActorSchema),
  slack: optional(z.strictObject({ channel: text, ts: text })),
  callId: optional(text),
  provider: optional(text),
  providers: optional(z.array(text)),
  level: optional(text),
  durationMs: optional(z.number().int().nonnegative()),
  expiresAt: optional(z.number().int().nonnegative()),
  upstream: optional(auditUpstreamSchema),
  detail: optional(text),
  rules: optional(z.array(text)),
  policyVersion: optional(text),
});

/** One exported line: the stream entry id and the time it was written, then the event. */
export const exportedEventSchema = auditEventSchema.extend({
  /** Stream entry id (`<ms>-<seq>`): unique and ordered. */
  id: z.string().regex(/^\d+-\d+$/),
  /** When it was written, ISO 8601 UTC. */
  at: z.iso.datetime(),
});
export type ExportedEvent = z.infer<typeof exportedEventSchema>;

// Compile-time check that the writers' type and the schema describe the same fields.
type StoredEvent = z.infer<typeof auditEventSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<keyof StoredEvent, keyof AuditEvent> = true;
const writable: Same<StoredEvent extends AuditEvent ? true : false, true> = true;
void sameShape;
void writable;
