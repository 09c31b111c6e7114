// Validated rules → matchers built once (sets, lower-cased emails, compiled patterns), so evaluation is cheap.
import { createHash } from 'node:crypto';
import type { HttpMethod, Level } from '../types.js';
import { compileHours, type Hours } from './hours.js';
import { isRegexPattern, type PolicyDocument, type PolicyRule } from './schema.js';

/** Where a policy came from: a file, or the environment settings when there is no file. */
export type PolicySource = { kind: 'file'; file: string } | { kind: 'settings' };

export interface Approvers {
  slackUsers: readonly string[];
  slackGroups: readonly string[];
  emails: readonly string[];
}

export interface CompiledRule {
  id: string;
  description: string | undefined;
  fallback: boolean;
  /** The rule as written (durations in ms), for summaries. */
  source: PolicyRule;
  providers: ReadonlySet<string> | null;
  levels: ReadonlySet<Level> | null;
  kind: 'session' | 'call' | null;
  requester: {
    emails: TextMatcher | null;
    organizations: ReadonlySet<string> | null;
    slackUsers: ReadonlySet<string> | null;
    slackGroups: readonly string[] | null;
  } | null;
  clients: TextMatcher | null;
  methods: ReadonlySet<HttpMethod> | null;
  urls: TextMatcher | null;
  hours: Hours | null;
  outsideHours: 'deny' | 'needs-approval' | null;
  decision: 'approve' | 'deny' | null;
  /** Sets approvals or approvers: whatever it matches needs a person's approval. */
  asksApproval: boolean;
  selfApprove: Level | 'none' | null;
  approvals: number | null;
  approvers: Approvers;
  channel: string | null;
  maxDurationMs: number | null;
  defaultDurationMs: number | null;
  requireReason: boolean;
  maxPending: number | null;
  requestsPerMinute: number | null;
}

export interface CompiledPolicy {
  source: PolicySource;
  /**
   * Names this exact policy: a hash of the file's text, or of the settings' rule. Stored with each grant
   * and decision (and in Redis by the reloader) so every instance can tell which policy decided.
   */
  version: string;
  rules: readonly CompiledRule[];
}

/** Matches exact text (case-insensitive), `*` wildcards, or `^regex$`. */
export interface TextMatcher {
  test(value: string): boolean;
}

/** `text` is what the version hashes: the file's text, or for built policies their canonical JSON. */
export function compilePolicy(document: PolicyDocument, source: PolicySource, text: string): CompiledPolicy {
  const version = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { source, version, rules: document.rules.map(compileRule) };
}

export function compileRule(rule: PolicyRule): CompiledRule {
  const m = rule.match ?? {};
  const r = m.requester;
  return {
    id: rule.id,
    description: rule.description,
    fallback: rule.fallback ?? false,
    source: rule,
    providers: m.providers ? new Set(m.providers.map((p) => p.toLowerCase())) : null,
    levels: m.level ? new Set(Array.isArray(m.level) ? m.level : [m.level]) : null,
    kind: m.kind ?? null,
    requester: r
      ? {
          emails: r.emails ? textMatcher(r.emails, false) : null,
          organizations: r.organizations ? new Set(r.organizations) : null,
          slackUsers: r.slackUsers ? new Set(r.slackUsers) : null,
          slackGroups: r.slackGroups ?? null,
        }
      : null,
    clients: m.clients ? textMatcher(m.clients, false) : null,
    methods: m.methods ? new Set(m.methods) : null,
    urls: m.urls ? textMatcher(m.urls, true) : null,
    hours: rule.hours ? compileHours(rule.hours) : null,
    outsideHours: rule.outsideHours ?? null,
    decision: rule.decision ?? null,
    asksApproval: rule.approvals !== undefined || rule.approvers !== undefined,
    selfApprove: rule.selfApprove ?? null,
    approvals: rule.approvals ?? null,
    approvers: {
      slackUsers: rule.approvers?.slackUsers ?? [],
      slackGroups: rule.approvers?.slackGroups ?? [],
      emails: rule.approvers?.emails ?? [],
    },
    channel: rule.channel ?? null,
    maxDurationMs: rule.maxDuration ?? null,
    defaultDurationMs: rule.defaultDuration ?? null,
    requireReason: rule.requireReason ?? false,
    maxPending: rule.limits?.maxPending ?? null,
    requestsPerMinute: rule.limits?.requestsPerMinute ?? null,
  };
}

/**
 * Exact entries go in a set (lower-cased unless `caseSensitive`); `*` wildcards and `^…$` expressions are
 * compiled once. `*@example.com` is a wildcard too, so whole email domains need no special case.
 */
export function textMatcher(patterns: readonly string[], caseSensitive: boolean): TextMatcher {
  const fold = (value: string) => (caseSensitive ? value : value.toLowerCase());
  const exact = new Set<string>();
  const expressions: RegExp[] = [];
  for (const pattern of patterns) {
    if (isRegexPattern(pattern)) expressions.push(new RegExp(pattern, caseSensitive ? '' : 'i'));
    else if (pattern.includes('*')) {
      const body = pattern.split('*').map(escapeRegex).join('.*');
      expressions.push(new RegExp(`^${body}$`, caseSensitive ? '' : 'i'));
    } else exact.add(fold(pattern));
  }
  return {
    test(value) {
      if (exact.has(fold(value))) return true;
      for (const expression of expressions) if (expression.test(value)) return true;
      return false;
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
