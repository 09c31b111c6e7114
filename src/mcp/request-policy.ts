// request_elevated_access under the policy in force: refusals (no rule, reason, limits) and the verdict to record.
import { describeMissing, stillMissing } from '../grants/quorum.js';
import type { CompiledPolicy } from '../grants/rules/compile.js';
import { evaluatePolicy, type PolicyOutcome } from '../grants/rules/evaluate.js';
import { groupsOf, NO_SLACK, recordOf, requestOf, type SlackSide } from '../grants/rules/verdict.js';
import type { Grant, GrantPolicy } from '../grants/types.js';
import { policyInForce } from '../lib/policy-in-force.js';
import type { CallerIdentity } from './identity.js';
import { type Away, type ToolDeps, ToolError } from './tool-kit.js';

export type RequestDraft = Pick<
  Grant,
  'requestedProviders' | 'requestedLevel' | 'kind' | 'owner' | 'clientName' | 'request'
>;

export interface Judged {
  outcome: PolicyOutcome;
  record: GrantPolicy;
  /** The pending-cap reservation to settle once the grant exists. */
  reservation: string | null;
}

/** Judges the request before anything is stored; throws a clear ToolError for every refusal. */
export async function judgeRequest(
  deps: ToolDeps,
  caller: CallerIdentity,
  draft: RequestDraft,
  reason: string | null,
  away: Away,
): Promise<Judged> {
  const policy = policyInForce(deps.config);
  const slack = await requesterSlackSide(deps, caller, policy, away);
  const outcome = evaluatePolicy(policy, requestOf(draft, slack), deps.now());
  const record = recordOf(policy, outcome);
  const providers = draft.requestedProviders.join(', ');
  if (outcome.reason === 'no-matching-rule') {
    const uncovered = outcome.gates.filter((gate) => gate.rules.length === 0).map((gate) => gate.provider);
    throw new ToolError(
      'denied_by_policy',
      `The approval policy has no rule for ${uncovered.join(', ') || providers}, so the request is refused. Ask an admin to add one.`,
      { policyVersion: policy.version },
    );
  }
  if (outcome.requireReason && !reason) {
    const rules = outcome.gates.filter((gate) => gate.requireReason).flatMap((gate) => gate.rules);
    throw new ToolError(
      'reason_required',
      `The approval policy (rule ${[...new Set(rules)].join(', ')}) requires a reason for this request: ask again with "reason" saying why you need ${draft.requestedLevel} access to ${providers}.`,
      { rules: [...new Set(rules)] },
    );
  }
  const perMinute = outcome.limits.requestsPerMinute ?? deps.config.policy.requestsPerMinute;
  if (!(await deps.allowRequest(caller.userId, perMinute))) {
    throw new ToolError(
      'rate_limited',
      `Too many access requests: at most ${perMinute} a minute. Wait for the pending one to be decided.`,
    );
  }
  let reservation: string | null = null;
  const maxPending = outcome.limits.maxPending;
  if (maxPending !== null && deps.pendingCap && outcome.decision === 'needs-approval') {
    const reserved = await deps.pendingCap.reserve(caller.userId, maxPending);
    if (!reserved.ok) {
      throw new ToolError(
        'too_many_pending',
        `You already have ${reserved.pending} pending access request(s); the approval policy allows at most ${maxPending} at once. Wait for one to be decided (check_access_request) or withdraw one, then ask again.`,
        { pending: reserved.pending, maxPending },
      );
    }
    reservation = reserved.token;
  }
  return { outcome, record, reservation };
}

/** One line for the assistant: which rules governed and what is still needed. */
export function policyLine(grant: Grant): string {
  const policy = grant.policy;
  if (!policy) return '';
  const missing = grant.status === 'pending' ? describeMissing(stillMissing(grant)) : '';
  return `Policy rules: ${policy.rules.join(', ') || 'none'} (version ${policy.version})${missing ? `; needs ${missing}` : ''}.`;
}

/** The pending-cap reservation becomes the grant (counting until its window closes, or not at all if decided). */
export async function settleReservation(
  deps: ToolDeps,
  caller: CallerIdentity,
  judged: Judged,
  grant: Grant,
): Promise<void> {
  if (!judged.reservation || !deps.pendingCap) return;
  await deps.pendingCap.settle(caller.userId, judged.reservation, grant.id, grant.decideBy);
}

/** Whether any rule picks requesters by Slack user or group: only then does judging a request need Slack. */
function matchesSlackRequesters(policy: CompiledPolicy): boolean {
  return policy.rules.some((rule) => rule.requester?.slackUsers || rule.requester?.slackGroups?.length);
}

/**
 * The requester's Slack id and groups, looked up only when a rule needs them (Slack down must not stop requests
 * the policy can judge without it). When one does and Slack cannot say, the request is refused for now, never
 * judged as if the requester were in no group (fail closed: a deny by group must not be skipped).
 */
async function requesterSlackSide(
  deps: ToolDeps,
  caller: CallerIdentity,
  policy: CompiledPolicy,
  away: Away,
): Promise<SlackSide> {
  const people = deps.people;
  if (!people || !matchesSlackRequesters(policy)) return NO_SLACK;
  try {
    return await away(() => people.byEmail(caller.userEmail, groupsOf(policy)));
  } catch (error) {
    deps.logger.warn(
      { err: error },
      'policy: Slack did not say who the requester is; request refused for now',
    );
    throw new ToolError(
      'unavailable',
      'The approval policy picks requesters by Slack user or group, and Slack did not answer. Retry in a minute.',
      { retryable: true, retryAfterSeconds: 60 },
    );
  }
}
