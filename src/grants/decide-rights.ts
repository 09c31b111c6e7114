// Who may take which decision on a grant under the policy in force: shared by Slack clicks and the web page.
import type { Quorum } from './quorum.js';
import { isEligible } from './rules/still-needed.js';
import { requesterMayApprove } from './rules/verdict.js';
import type { GrantPolicy, Level } from './types.js';

/** Allowed (as the requester, or as an approver whose approval counts through `quorum`), or why not. */
export type ClickAuthorization =
  | { ok: true; as: 'requester' | 'approver'; quorum?: Quorum }
  | { ok: false; reason: string };

/** The requester: deny always; approve only up to the self-approval level on every chosen provider. */
export function requesterDecision(
  record: GrantPolicy,
  decision: { level: Level | 'deny'; providers: readonly string[] },
): ClickAuthorization {
  if (decision.level === 'deny') return { ok: true, as: 'requester' };
  if (requesterMayApprove(record, decision.providers, decision.level)) return { ok: true, as: 'requester' };
  const levels = record.gates
    .filter((gate) => decision.providers.includes(gate.provider))
    .map((gate) => gate.selfApprove);
  const lowest =
    levels.includes('none') || levels.length === 0 ? 'none' : levels.includes('read') ? 'read' : 'write';
  return {
    ok: false,
    reason:
      lowest === 'none'
        ? 'you cannot approve your own requests; an approver has to'
        : `you may approve your own requests up to ${lowest} access; ${decision.level} access needs another approver`,
  };
}

/** Another person: eligible for at least one chosen provider's gate under the policy in force. */
export function approverDecision(
  record: GrantPolicy,
  person: Quorum['person'],
  requester: Quorum['requester'],
  decision: { level: Level | 'deny'; providers: readonly string[] },
): ClickAuthorization {
  const gates = record.gates.filter(
    (gate) => gate.decision === 'needs-approval' && decision.providers.includes(gate.provider),
  );
  const eligible = gates.filter((gate) => isEligible(person, gate.approvers, requester));
  if (eligible.length === 0) {
    const requesterMay =
      decision.level === 'deny' || requesterMayApprove(record, decision.providers, decision.level);
    return {
      ok: false,
      reason: requesterMay
        ? 'only the requester or a configured approver may decide this request'
        : `only a configured approver may approve ${decision.level} access on this request`,
    };
  }
  if (decision.level === 'deny') return { ok: true, as: 'approver' };
  return { ok: true, as: 'approver', quorum: { policy: record, person, requester } };
}
