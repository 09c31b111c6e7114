// N-of-M approvals as pure functions: record one person's approval, narrow by intersection, approve at the last.
import { formatDuration } from '../lib/duration.js';
import { isEligible, type Person } from './rules/still-needed.js';
import { applyApproval, type TransitionError } from './transitions.js';
import type {
  Actor,
  ApprovalChoice,
  Grant,
  GrantGate,
  GrantPolicy,
  Level,
  RecordedApproval,
} from './types.js';

/** What the approve click brings along: the policy in force now and who the approver is (groups resolved). */
export interface Quorum {
  policy: GrantPolicy;
  /** The approver; `key` names the human (see personKey). */
  person: Person & { key: string };
  requester: Person;
}

/** One key per human: the email when known (Slack and web clicks share it), else the Slack id. */
export function personKey(person: Person): string {
  return person.email ? person.email.toLowerCase() : `slack:${person.slackUserId ?? '?'}`;
}

const LEVEL_RANK: Record<Level, number> = { read: 1, write: 2 };

/** Per provider in scope that needs people: how many more approvals, and from whom. */
export interface Missing {
  provider: string;
  needed: number;
  gate: GrantGate;
}

/** What the grant still needs under its recorded policy and approvals (empty = nothing more). */
export function stillMissing(
  grant: Grant,
  gates: readonly GrantGate[] = grant.policy?.gates ?? [],
): Missing[] {
  const scope = currentScope(grant);
  const approvals = grant.approvals ?? [];
  return gates
    .filter((gate) => gate.decision === 'needs-approval' && scope.includes(gate.provider))
    .map((gate) => {
      const counted = new Set(
        approvals
          .filter((a) => a.countsFor.includes(gate.provider) && a.providers.includes(gate.provider))
          .map((a) => a.person),
      );
      return { provider: gate.provider, needed: Math.max(0, gate.approvals - counted.size), gate };
    })
    .filter((missing) => missing.needed > 0);
}

/** The providers every approval so far agreed on (the requested ones before any approval). */
export function currentScope(grant: Grant): string[] {
  let scope = grant.requestedProviders;
  for (const approval of grant.approvals ?? []) scope = scope.filter((p) => approval.providers.includes(p));
  return scope;
}

/**
 * Records `by`'s approval. The scope is the intersection of every approval's providers, the level and duration
 * the lowest any approver chose; when no provider in scope needs more people the grant is approved now (its
 * clock starts at this, the last needed approval). The same person never counts twice; the requester never
 * counts (isEligible refuses them).
 */
export function applyQuorumApproval(
  grant: Grant,
  by: Actor,
  choice: ApprovalChoice,
  quorum: Quorum,
  ctx: { now: number; maxAccessMs: number },
): Grant | TransitionError {
  if (grant.status !== 'pending') return { code: 'conflict', error: `the request is ${grant.status}` };
  const prior = grant.approvals ?? [];
  if (prior.some((approval) => approval.person === quorum.person.key)) {
    return invalid('you have already approved this request; the remaining approvals must come from others');
  }
  const scope = currentScope(grant);
  const chosen = choice.providers ?? scope;
  const unknown = chosen.filter((p) => !grant.requestedProviders.includes(p));
  if (unknown.length > 0) return invalid(`${unknown.join(', ')} was not requested`);
  const providers = scope.filter((p) => chosen.includes(p));
  if (providers.length === 0) {
    return invalid(`earlier approvers narrowed this request to ${scope.join(', ')}; approve some of those`);
  }
  const gates = quorum.policy.gates.filter((gate) => providers.includes(gate.provider));
  const denied = gates.find((gate) => gate.decision === 'deny');
  if (denied) return invalid(`the policy in force now denies ${denied.provider}; untick it or deny`);
  const countsFor = gates
    .filter(
      (gate) =>
        gate.decision === 'needs-approval' && isEligible(quorum.person, gate.approvers, quorum.requester),
    )
    .map((gate) => gate.provider);
  if (countsFor.length === 0) {
    return invalid(`you are not an approver for ${providers.join(', ')} under the policy in force`);
  }
  const level = [choice.level ?? grant.requestedLevel, ...prior.map((a) => a.level)].reduce((a, b) =>
    LEVEL_RANK[a] <= LEVEL_RANK[b] ? a : b,
  );
  const durations = prior.map((a) => a.durationMs);
  if (choice.durationMs !== undefined) durations.push(choice.durationMs);
  const durationMs = durations.length > 0 ? Math.min(...durations) : undefined;
  const approved = applyApproval(
    grant,
    by,
    {
      providers,
      level,
      ...(durationMs !== undefined ? { durationMs } : {}),
      instructions: choice.instructions,
    },
    ctx,
  );
  if ('error' in approved) return approved;
  const approval: RecordedApproval = {
    by,
    person: quorum.person.key,
    at: ctx.now,
    providers: approved.providers,
    level: approved.level,
    durationMs: approved.durationMs,
    countsFor,
  };
  const approvals = [...prior, approval];
  const withApprovals: Grant = { ...grant, approvals, policy: quorum.policy };
  const missing = stillMissing(withApprovals);
  if (missing.length === 0) return { ...approved, approvals, policy: quorum.policy };
  const note = `approval ${approvals.length} by ${by.email ?? by.name ?? by.id}: ${approved.level} on ${approved.providers.join(', ')} for ${formatDuration(approved.durationMs)}; still needs ${describeMissing(missing)}`;
  return {
    ...withApprovals,
    history: [...grant.history, { status: 'pending', at: ctx.now, by, note }],
  };
}

/** How people are named: plain for the assistant and the web, Slack mentions in Slack. */
export interface Mentions {
  group(id: string): string;
  user(id: string): string;
}
const PLAIN: Mentions = { group: (id) => `@${id}`, user: (id) => `@${id}` };

/** "1 more approval from @S0DATA for snowflake; 1 more approval from … for linear". */
export function describeMissing(missing: readonly Missing[], mention: Mentions = PLAIN): string {
  return missing
    .map((m) => {
      const from = [
        ...m.gate.approvers.slackGroups.map((id) => mention.group(id)),
        ...m.gate.approvers.slackUsers.map((id) => mention.user(id)),
        ...m.gate.approvers.emails,
      ];
      const who = from.length > 0 ? ` from ${from.join(', ')}` : '';
      return `${m.needed} more approval${m.needed === 1 ? '' : 's'}${who} for ${m.provider}`;
    })
    .join('; ');
}

function invalid(error: string): TransitionError {
  return { code: 'invalid', error };
}
