// Correlation fields shared by the call sites: the grant owner's identity, the grant, the person acting.
import { randomBytes } from 'node:crypto';
import type { AuditActor, AuditEvent, AuditUpstream } from './schema.js';

interface Owner {
  sid: string;
  organizationId: string | null;
  userId: string;
  userEmail: string;
}

/** The owner's (or MCP caller's) WorkOS user id and email, AuthKit session id and organization. */
export function ownerFields(
  owner: Owner,
): Pick<AuditEvent, 'userId' | 'userEmail' | 'sid' | 'organizationId'> {
  return {
    userId: owner.userId,
    userEmail: owner.userEmail,
    sid: owner.sid,
    organizationId: owner.organizationId,
  };
}

/** What an audit entry names of a grant. */
type AuditedGrant = {
  id: string;
  kind: 'broad' | 'request';
  policy?: { rules: string[]; version: string } | null;
};

/** The grant's id and kind (`broad` session access or a per-call `request`), and the rules that governed it. */
export function grantFields(
  grant: AuditedGrant,
): Pick<AuditEvent, 'grantId' | 'kind' | 'rules' | 'policyVersion'> {
  return writeGrantFields({} as Pick<AuditEvent, 'grantId' | 'kind' | 'rules' | 'policyVersion'>, grant);
}

/** Writes grantFields' fields into `event`, in their order (rules and version only under a policy). */
function writeGrantFields<T extends Partial<AuditEvent>>(event: T, grant: AuditedGrant): T {
  event.grantId = grant.id;
  event.kind = grant.kind;
  if (grant.policy) {
    event.rules = grant.policy.rules;
    event.policyVersion = grant.policy.version;
  }
  return event;
}

/** A person (web) or their assistant (mcp), both known by their WorkOS user id. */
export function workosActor(
  type: 'user' | 'assistant',
  via: 'web' | 'mcp',
  user: { id: string; email?: string | undefined },
): AuditActor {
  return { type, id: user.id, email: user.email, via, workosUserId: user.id };
}

/**
 * Call ids are correlation ids, not secrets: a random 32-bit process part (drawn again when the counter wraps)
 * and a counter make them unique without a trip to the random source (and a Buffer) on every call.
 */
let callIdPrefix = '';
let callIdCounter = 0xffffffff;

/** One id per MCP tool call, carried by every event the call causes: `call_` and 16 hex digits. */
export function newCallId(): string {
  if (callIdCounter >= 0xffffffff) {
    callIdPrefix = randomBytes(4).toString('hex');
    callIdCounter = 0;
  }
  callIdCounter++;
  return `call_${callIdPrefix}${callIdCounter.toString(16).padStart(8, '0')}`;
}

/** Method, host and path of a URL: never the query string, which may carry secrets or personal data. */
export function upstreamTarget(
  method: string,
  url: string | URL,
): { method: string; host: string; path: string } {
  const u = typeof url === 'string' ? new URL(url) : url;
  return { method, host: u.host, path: u.pathname };
}

/** The code of our own modules' safe errors (`timeout`, `not_connected`, …); anything else is `internal_error`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const safe = error instanceof Error && (error as { safe?: boolean }).safe === true;
  return safe && typeof code === 'string' ? code : 'internal_error';
}

/** Fields every audit event of one tool call carries: the caller's identity and the call's id. */
export type CallAudit = Pick<AuditEvent, 'userId' | 'userEmail' | 'sid' | 'organizationId' | 'callId'>;

/**
 * An api.* event of a call under `grant`, built field by field in the order its entries have always had (type,
 * caller, call id, grant, rules, provider, upstream, detail): no intermediate objects spread on every call.
 */
export function apiEvent(
  type: 'api.call' | 'api.refused',
  audit: CallAudit,
  grant: AuditedGrant,
  provider: string,
  upstream: AuditUpstream,
  detail?: string,
): AuditEvent {
  const event: AuditEvent = {
    type,
    userId: audit.userId,
    userEmail: audit.userEmail,
    sid: audit.sid,
    organizationId: audit.organizationId,
    callId: audit.callId,
  };
  writeGrantFields(event, grant);
  event.provider = provider;
  event.upstream = upstream;
  if (detail !== undefined) event.detail = detail;
  return event;
}
