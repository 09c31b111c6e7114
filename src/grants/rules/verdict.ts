// A grant's request as the policy sees it, and the policy's outcome as the record kept on the grant.
import type { Grant, GrantPolicy, Level } from '../types.js';
import type { CompiledPolicy } from './compile.js';
import { evaluatePolicy, type PolicyOutcome, type PolicyRequest } from './evaluate.js';

/** The requester's Slack side, resolved by the caller (null id and no groups when not in Slack). */
export interface SlackSide {
  slackUserId: string | null;
  slackGroups: readonly string[];
}

/** Someone the policy knows nothing of in Slack (or a policy that asks nothing of Slack). */
export const NO_SLACK: SlackSide = { slackUserId: null, slackGroups: [] };

/** Looks people up for the policy: by email (the requester, a web approver) or by Slack id (a clicker). */
export interface PeopleLookup {
  byEmail(email: string, groups: readonly string[]): Promise<SlackSide>;
}

/** Every Slack user group the policy names, as requester matcher or as approvers: the ones to look up. */
export function groupsOf(policy: CompiledPolicy): string[] {
  const groups = new Set<string>();
  for (const rule of policy.rules) {
    for (const group of rule.requester?.slackGroups ?? []) groups.add(group);
    for (const group of rule.approvers.slackGroups) groups.add(group);
  }
  return [...groups];
}

export function requestOf(
  grant: Pick<Grant, 'requestedProviders' | 'requestedLevel' | 'kind' | 'owner' | 'clientName' | 'request'>,
  slack: SlackSide,
): PolicyRequest {
  return {
    providers: grant.requestedProviders,
    level: grant.requestedLevel,
    kind: grant.kind === 'broad' ? 'session' : 'call',
    requester: {
      email: grant.owner.userEmail,
      organizationId: grant.owner.organizationId,
      slackUserId: slack.slackUserId,
      slackGroups: slack.slackGroups,
    },
    clientName: grant.clientName,
    call: grant.request ? { method: grant.request.method, url: grant.request.url } : null,
  };
}

export function recordOf(policy: CompiledPolicy, outcome: PolicyOutcome): GrantPolicy {
  return {
    version: policy.version,
    rules: outcome.rules,
    decidedByRule: outcome.decidedBy,
    maxDurationMs: outcome.maxDurationMs,
    gates: outcome.gates.map((gate) => ({
      provider: gate.provider,
      rules: gate.rules,
      decision: gate.decision,
      approvals: gate.approvals,
      approvers: {
        slackUsers: [...gate.approvers.slackUsers],
        slackGroups: [...gate.approvers.slackGroups],
        emails: [...gate.approvers.emails],
      },
      requesterMaySelfApprove: gate.requesterMaySelfApprove,
      selfApprove: gate.selfApprove,
      channels: gate.channels,
      ...(gate.outsideHours.length > 0 ? { outsideHours: [...gate.outsideHours] } : {}),
    })),
  };
}

/** The grant judged by `policy` now: the live check every click, command and web decision runs. */
export function judgeGrant(
  policy: CompiledPolicy,
  grant: Grant,
  slack: SlackSide,
  atMs: number,
): { outcome: PolicyOutcome; record: GrantPolicy } {
  const outcome = evaluatePolicy(policy, requestOf(grant, slack), atMs);
  return { outcome, record: recordOf(policy, outcome) };
}

/** May the requester approve `providers` at `level` themselves? Every gate must allow it. */
export function requesterMayApprove(
  record: GrantPolicy,
  providers: readonly string[],
  level: Level,
): boolean {
  const gates = record.gates.filter((gate) => providers.includes(gate.provider));
  if (gates.length === 0) return false;
  return gates.every((gate) => {
    if (gate.decision === 'deny') return false;
    if (gate.decision === 'approve') return true;
    return RANK[level] <= RANK[gate.selfApprove];
  });
}

const RANK: Record<Level | 'none', number> = { none: 0, read: 1, write: 2 };

/** What a rule decided for the whole request at once (`decision: approve | deny`), or null when people decide. */
export function ruleDecision(policy: GrantPolicy | null | undefined): 'approve' | 'deny' | null {
  if (!policy?.decidedByRule) return null;
  if (policy.gates.some((gate) => gate.decision === 'deny')) return 'deny';
  return policy.gates.every((gate) => gate.decision === 'approve') ? 'approve' : null;
}
