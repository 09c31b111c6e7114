// The rules engine: which rules govern a request, per provider, and their effects merged to the strictest.
import type { HttpMethod, Level } from '../types.js';
import type { Approvers, CompiledPolicy, CompiledRule } from './compile.js';
import { withinHours } from './hours.js';

/** A request as the policy sees it. Slack identity and group membership are resolved by the caller. */
export interface PolicyRequest {
  providers: readonly string[];
  level: Level;
  kind: 'session' | 'call';
  requester: {
    email: string;
    organizationId: string | null;
    /** Null when the requester has no Slack account; Slack matchers then do not match. */
    slackUserId: string | null;
    /** The user groups the requester is in. A caller that cannot look them up must not evaluate (503). */
    slackGroups: readonly string[];
  };
  clientName: string | null;
  /** One-call requests: the method and the normalized URL. */
  call: { method: HttpMethod; url: string } | null;
}

export type Decision = 'approve' | 'deny' | 'needs-approval';
export type MismatchField =
  | 'kind'
  | 'level'
  | 'requester'
  | 'client'
  | 'method'
  | 'url'
  | 'provider'
  | 'fallback';

/** What one provider of the request needs. */
export interface ProviderGate {
  provider: string;
  /** Ids of the rules that govern this provider, in file order. */
  rules: string[];
  decision: Decision;
  /** The rule whose decision (deny, or approve) settled it; null when people decide or no rule matched. */
  decidedBy: string | null;
  /** Rules whose hours did not hold at evaluation time (their outsideHours applied). */
  outsideHours: string[];
  selfApprove: Level | 'none';
  requesterMaySelfApprove: boolean;
  /** Distinct approvers needed, never counting the requester; 0 when the gate is decided. */
  approvals: number;
  approvers: Approvers;
  channels: string[];
  maxDurationMs: number | null;
  defaultDurationMs: number | null;
  requireReason: boolean;
}

export interface PolicyOutcome {
  decision: Decision;
  reason: 'rule-approved' | 'rule-denied' | 'no-matching-rule' | 'needs-approval';
  /** The deny (or, when all gates auto-approve, the first approve) rule; null otherwise. */
  decidedBy: string | null;
  gates: ProviderGate[];
  /** Ids of every rule that governed some provider, in file order. */
  rules: string[];
  maxDurationMs: number | null;
  defaultDurationMs: number | null;
  requireReason: boolean;
  limits: { maxPending: number | null; requestsPerMinute: number | null };
  /** Every rule that governs no provider, with the first field that did not match. */
  notMatched: { rule: CompiledRule; field: MismatchField }[];
}

const RANK: Record<Level | 'none', number> = { none: 0, read: 1, write: 2 };

export function evaluatePolicy(policy: CompiledPolicy, request: PolicyRequest, atMs: number): PolicyOutcome {
  const providers = [...new Set(request.providers.map((p) => p.toLowerCase()))];
  const email = request.requester.email.trim().toLowerCase();
  const matched: CompiledRule[][] = providers.map(() => []);
  const fallbacks: CompiledRule[][] = providers.map(() => []);
  const mismatches: (MismatchField | null)[] = [];

  for (const rule of policy.rules) {
    mismatches.push(place(rule, request, email, providers, matched, fallbacks));
  }

  const gates = providers.map((provider, i) => {
    if (matched[i]!.length === 0) return mergeGate(provider, fallbacks[i]!, request.level, atMs);
    const gate = mergeGate(provider, matched[i]!, request.level, atMs);
    // Outside its hours a `decision: approve` rule (which names no approvers) asks for people: when no matching
    // rule names any, the provider's fallback rules say who approves and where, so the request is not stuck.
    if (gate.decision !== 'needs-approval' || hasApprovers(gate.approvers)) return gate;
    const asked = fallbacks[i]!.filter((rule) => hasApprovers(rule.approvers));
    if (asked.length === 0) return gate;
    const borrowed = mergeGate(provider, asked, request.level, atMs);
    return {
      ...gate,
      rules: [...gate.rules, ...borrowed.rules],
      approvers: borrowed.approvers,
      channels: gate.channels.length > 0 ? gate.channels : borrowed.channels,
    };
  });
  const governingIds = new Set<string>();
  for (const gate of gates) for (const id of gate.rules) governingIds.add(id);
  const notMatched: PolicyOutcome['notMatched'] = [];
  policy.rules.forEach((rule, index) => {
    const field = mismatches[index];
    if (field) notMatched.push({ rule, field });
    // A fallback that matched but was shadowed by other rules on every provider did not govern.
    else if (!governingIds.has(rule.id)) notMatched.push({ rule, field: 'fallback' });
  });
  return combine(policy, gates, governingIds, notMatched);
}

/**
 * Adds `rule` to the gates of the providers it governs, or names the first field that does not fit. Cheap
 * checks come first (kind, level, provider: most rules of a large policy fail there), patterns last.
 */
function place(
  rule: CompiledRule,
  request: PolicyRequest,
  email: string,
  providers: readonly string[],
  matched: CompiledRule[][],
  fallbacks: CompiledRule[][],
): MismatchField | null {
  if (rule.kind && rule.kind !== request.kind) return 'kind';
  if (rule.levels && !rule.levels.has(request.level)) return 'level';
  if (rule.providers && !providers.some((provider) => rule.providers!.has(provider))) return 'provider';
  const field = otherMismatch(rule, request, email);
  if (field) return field;
  for (let i = 0; i < providers.length; i++) {
    if (rule.providers && !rule.providers.has(providers[i]!)) continue;
    (rule.fallback ? fallbacks : matched)[i]!.push(rule);
  }
  return null;
}

function otherMismatch(rule: CompiledRule, request: PolicyRequest, email: string): MismatchField | null {
  if (rule.requester && !requesterMatches(rule.requester, request.requester, email)) return 'requester';
  if (rule.clients && !(request.clientName && rule.clients.test(request.clientName))) return 'client';
  if (rule.methods && !(request.call && rule.methods.has(request.call.method))) return 'method';
  if (rule.urls && !(request.call && rule.urls.test(request.call.url))) return 'url';
  return null;
}

/** The requester matches when any of the listed kinds of identity names them. */
function requesterMatches(
  matcher: NonNullable<CompiledRule['requester']>,
  requester: PolicyRequest['requester'],
  email: string,
): boolean {
  if (matcher.emails?.test(email)) return true;
  if (
    matcher.organizations &&
    requester.organizationId &&
    matcher.organizations.has(requester.organizationId)
  )
    return true;
  if (matcher.slackUsers && requester.slackUserId && matcher.slackUsers.has(requester.slackUserId))
    return true;
  if (matcher.slackGroups) {
    for (const group of matcher.slackGroups) if (requester.slackGroups.includes(group)) return true;
  }
  return false;
}

function hasApprovers(approvers: ProviderGate['approvers']): boolean {
  return approvers.slackUsers.length + approvers.slackGroups.length + approvers.emails.length > 0;
}

function mergeGate(provider: string, rules: CompiledRule[], level: Level, atMs: number): ProviderGate {
  const gate: ProviderGate = {
    provider,
    rules: rules.map((rule) => rule.id),
    decision: 'needs-approval',
    decidedBy: null,
    outsideHours: [],
    selfApprove: 'none',
    requesterMaySelfApprove: false,
    approvals: 0,
    approvers: { slackUsers: [], slackGroups: [], emails: [] },
    channels: [],
    maxDurationMs: null,
    defaultDurationMs: null,
    requireReason: false,
  };
  if (rules.length === 0) {
    gate.decision = 'deny';
    return gate;
  }
  let denyBy: string | null = null;
  let approveBy: string | null = null;
  let asksPeople = false;
  let selfApprove: Level | 'none' | null = null;
  let approvals = 1;
  const users = new Set<string>();
  const groups = new Set<string>();
  const emails = new Set<string>();
  const channels = new Set<string>();

  for (const rule of rules) {
    let decision = rule.decision;
    let ruleSelfApprove = rule.selfApprove;
    let asks = rule.asksApproval;
    if (rule.hours && !withinHours(rule.hours, atMs)) {
      gate.outsideHours.push(rule.id);
      if (rule.outsideHours === 'deny') decision = 'deny';
      else {
        // Outside its hours the rule decides nothing itself and lets nobody approve their own request.
        decision = null;
        ruleSelfApprove = 'none';
        asks = true;
      }
    }
    if (decision === 'deny') denyBy ??= rule.id;
    else if (decision === 'approve') approveBy ??= rule.id;
    if (asks) asksPeople = true;
    if (ruleSelfApprove && (selfApprove === null || RANK[ruleSelfApprove] < RANK[selfApprove])) {
      selfApprove = ruleSelfApprove;
    }
    if (rule.approvals !== null && rule.approvals > approvals) approvals = rule.approvals;
    for (const id of rule.approvers.slackUsers) users.add(id);
    for (const id of rule.approvers.slackGroups) groups.add(id);
    for (const address of rule.approvers.emails) emails.add(address);
    if (rule.channel) channels.add(rule.channel);
    gate.maxDurationMs = min(gate.maxDurationMs, rule.maxDurationMs);
    gate.defaultDurationMs = min(gate.defaultDurationMs, rule.defaultDurationMs);
    if (rule.requireReason) gate.requireReason = true;
  }
  if (gate.maxDurationMs !== null) gate.defaultDurationMs = min(gate.defaultDurationMs, gate.maxDurationMs);
  gate.selfApprove = selfApprove ?? 'none';
  gate.requesterMaySelfApprove = RANK[level] <= RANK[gate.selfApprove];
  gate.approvers = { slackUsers: [...users], slackGroups: [...groups], emails: [...emails] };
  gate.channels = [...channels];
  if (denyBy) {
    gate.decision = 'deny';
    gate.decidedBy = denyBy;
  } else if (approveBy && !asksPeople) {
    gate.decision = 'approve';
    gate.decidedBy = approveBy;
  } else {
    gate.approvals = approvals;
  }
  return gate;
}

function combine(
  policy: CompiledPolicy,
  gates: ProviderGate[],
  governingIds: ReadonlySet<string>,
  notMatched: PolicyOutcome['notMatched'],
): PolicyOutcome {
  const governing = policy.rules.filter((rule) => governingIds.has(rule.id));
  const denied = gates.find((gate) => gate.decision === 'deny');
  const needsPeople = gates.some((gate) => gate.decision === 'needs-approval');
  let decision: Decision;
  let reason: PolicyOutcome['reason'];
  let decidedBy: string | null = null;
  if (gates.length === 0 || denied) {
    decision = 'deny';
    decidedBy = denied?.decidedBy ?? null;
    reason = decidedBy ? 'rule-denied' : 'no-matching-rule';
  } else if (needsPeople) {
    decision = 'needs-approval';
    reason = 'needs-approval';
  } else {
    decision = 'approve';
    reason = 'rule-approved';
    decidedBy = gates[0]!.decidedBy;
  }
  let maxDurationMs: number | null = null;
  let defaultDurationMs: number | null = null;
  for (const gate of gates) {
    maxDurationMs = min(maxDurationMs, gate.maxDurationMs);
    defaultDurationMs = min(defaultDurationMs, gate.defaultDurationMs);
  }
  let maxPending: number | null = null;
  let requestsPerMinute: number | null = null;
  for (const rule of governing) {
    maxPending = min(maxPending, rule.maxPending);
    requestsPerMinute = min(requestsPerMinute, rule.requestsPerMinute);
  }
  return {
    decision,
    reason,
    decidedBy,
    gates,
    rules: governing.map((rule) => rule.id),
    maxDurationMs,
    defaultDurationMs,
    requireReason: gates.some((gate) => gate.requireReason),
    limits: { maxPending, requestsPerMinute },
    notMatched,
  };
}

function min(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
