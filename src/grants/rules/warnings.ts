// Valid but probably wrong: rules that can never be satisfied, have no effect, or hide every fallback.
import type { CompiledPolicy } from './compile.js';

export function policyWarnings(policy: CompiledPolicy): string[] {
  const warnings: string[] = [];
  const hasFallback = policy.rules.some((rule) => rule.fallback);
  for (const rule of policy.rules) {
    const { slackUsers, slackGroups, emails } = rule.approvers;
    // People named one by one (no group) can count at most once each; the same person may appear twice.
    const listed = slackUsers.length + emails.length;
    if (rule.approvals !== null && slackGroups.length === 0 && listed > 0 && listed < rule.approvals) {
      warnings.push(
        `${rule.id}: asks for ${rule.approvals} approvals but names at most ${listed} approver(s) (unless other matching rules add some)`,
      );
    }
    const s = rule.source;
    const effects = [
      s.decision,
      s.selfApprove,
      s.approvals,
      s.approvers,
      s.channel,
      s.maxDuration,
      s.defaultDuration,
      s.requireReason,
      s.hours,
      s.limits,
    ];
    if (effects.every((effect) => effect === undefined))
      warnings.push(`${rule.id}: sets nothing, so it has no effect`);
    if (hasFallback && !rule.fallback && !s.match) {
      warnings.push(`${rule.id}: matches every request, so no fallback rule ever applies`);
    }
  }
  return warnings;
}
