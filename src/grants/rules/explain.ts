// Texts for people: a policy's summary, why a rule did not match, and what a request's outcome means.
import { formatDuration } from '../../lib/duration.js';
import type { Approvers, CompiledPolicy, CompiledRule } from './compile.js';
import type { MismatchField, PolicyOutcome, PolicyRequest, ProviderGate } from './evaluate.js';

export function summarizePolicy(policy: CompiledPolicy): string[] {
  const source =
    policy.source.kind === 'file' ? policy.source.file : 'the environment settings (no POLICY_FILE)';
  const fallbacks = policy.rules.filter((rule) => rule.fallback).length;
  const lines = [
    `${policy.rules.length} rule(s) from ${source}, ${fallbacks} fallback, version ${policy.version}`,
  ];
  for (const rule of policy.rules)
    lines.push(`  ${rule.id}${rule.fallback ? ' (fallback)' : ''}: ${describeRule(rule)}`);
  if (fallbacks === 0) lines.push('  note: no fallback rule, so a provider no rule matches is denied');
  return lines;
}

export function describeRule(rule: CompiledRule): string {
  const m = rule.source.match ?? {};
  const when: string[] = [];
  if (m.providers) when.push(`providers ${m.providers.join(', ')}`);
  if (m.level) when.push(`level ${[m.level].flat().join(', ')}`);
  if (m.kind) when.push(`kind ${m.kind}`);
  if (m.requester) when.push('requester listed');
  if (m.clients) when.push(`clients ${m.clients.join(', ')}`);
  if (m.methods) when.push(`methods ${m.methods.join(', ')}`);
  if (m.urls) when.push(`urls ${m.urls.join(', ')}`);
  const then: string[] = [];
  if (rule.decision) then.push(rule.decision === 'approve' ? 'approves at once' : 'denies');
  if (rule.approvals !== null || rule.asksApproval) then.push(`${rule.approvals ?? 1} approval(s)`);
  if (rule.selfApprove) then.push(`self-approve up to ${rule.selfApprove}`);
  if (rule.maxDurationMs !== null) then.push(`at most ${formatDuration(rule.maxDurationMs)}`);
  if (rule.requireReason) then.push('reason required');
  if (rule.hours) then.push(`outside hours: ${rule.outsideHours}`);
  if (rule.maxPending !== null) then.push(`max ${rule.maxPending} pending`);
  if (rule.requestsPerMinute !== null) then.push(`${rule.requestsPerMinute}/min`);
  return `${when.length > 0 ? when.join('; ') : 'every request'} → ${then.length > 0 ? then.join(', ') : 'no effect'}`;
}

/** Why `rule` governs nothing for `request`, in one phrase. */
export function describeMismatch(rule: CompiledRule, field: MismatchField, request: PolicyRequest): string {
  const m = rule.source.match ?? {};
  switch (field) {
    case 'kind':
      return `matches kind ${m.kind}, the request is kind ${request.kind}`;
    case 'level':
      return `matches level ${[m.level].flat().join('/')}, the request asks ${request.level}`;
    case 'requester':
      return `the requester ${request.requester.email} is not among its requesters`;
    case 'client':
      return `matches clients ${m.clients?.join(', ')}, the client is ${request.clientName ?? 'unknown'}`;
    case 'method':
      return `matches methods ${m.methods?.join(', ')}, the call is ${request.call?.method ?? 'none'}`;
    case 'url':
      return `no URL pattern matches ${request.call?.url ?? '(no URL)'}`;
    case 'provider':
      return `matches providers ${m.providers?.join(', ')}, the request is for ${request.providers.join(', ')}`;
    case 'fallback':
      return 'a fallback, and other rules matched every provider it would cover';
  }
}

export function describeOutcome(outcome: PolicyOutcome): string[] {
  const lines = [
    `decision: ${outcome.decision}${outcome.decidedBy ? ` (by rule ${outcome.decidedBy})` : ''}`,
  ];
  if (outcome.reason === 'no-matching-rule') lines.push('  no rule matches, so it is denied');
  for (const gate of outcome.gates) lines.push(`  ${gate.provider}: ${describeGate(gate)}`);
  const facts: string[] = [];
  if (outcome.maxDurationMs !== null) facts.push(`max duration ${formatDuration(outcome.maxDurationMs)}`);
  if (outcome.defaultDurationMs !== null) facts.push(`default ${formatDuration(outcome.defaultDurationMs)}`);
  if (outcome.requireReason) facts.push('a reason is required');
  if (outcome.limits.maxPending !== null) facts.push(`at most ${outcome.limits.maxPending} pending`);
  if (outcome.limits.requestsPerMinute !== null)
    facts.push(`${outcome.limits.requestsPerMinute} requests/min`);
  if (facts.length > 0) lines.push(`  ${facts.join('; ')}`);
  return lines;
}

function describeGate(gate: ProviderGate): string {
  const rules = gate.rules.length > 0 ? ` [rules: ${gate.rules.join(', ')}]` : ' [no rule matches]';
  const hours = gate.outsideHours.length > 0 ? ` (outside the hours of ${gate.outsideHours.join(', ')})` : '';
  if (gate.decision === 'deny')
    return `denied${gate.decidedBy ? ` by ${gate.decidedBy}` : ''}${hours}${rules}`;
  if (gate.decision === 'approve') return `approved by ${gate.decidedBy}${rules}`;
  const self = gate.requesterMaySelfApprove
    ? `the requester may approve it themselves (self-approve up to ${gate.selfApprove}), or `
    : '';
  const channel = gate.channels.length > 0 ? `, posted to ${gate.channels.join(', ')}` : '';
  return `${self}needs ${gate.approvals} approval(s) from ${describeApprovers(gate.approvers)}${channel}${hours}${rules}`;
}

export function describeApprovers(approvers: Approvers): string {
  const names = [
    ...approvers.slackGroups.map((id) => `group ${id}`),
    ...approvers.slackUsers.map((id) => `user ${id}`),
    ...approvers.emails,
  ];
  return names.length > 0 ? names.join(', ') : 'nobody listed (only self-approval can satisfy it)';
}
