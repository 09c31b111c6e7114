// Who may decide a grant: the requester up to SELF_APPROVE, listed approvers for anyone else's request.
import type { Grant, Level } from './types.js';

export interface ApprovalPolicy {
  /** Highest level a requester may approve for their own assistant. */
  selfApprove: Level | 'none';
  /** People (by email, compared case-insensitively) who may decide other people's requests. */
  approverEmails: readonly string[];
}

/** The person clicking: a WorkOS user id (web) and/or an email (Slack's users.info, or WorkOS). */
export interface Decider {
  userId?: string;
  email?: string;
}

export type DecisionRight = { ok: true; as: 'requester' | 'approver' } | { ok: false; reason: string };

const RANK: Record<Level | 'none', number> = { none: 0, read: 1, write: 2 };

/**
 * May `decider` take `decision` on `grant`? `decision` is the level actually being granted (after any
 * downgrade), or 'deny'. Denying one's own request is always allowed; approving it only up to selfApprove,
 * even for someone who is also a listed approver (no one is the second pair of eyes on their own request).
 */
export function mayDecide(
  grant: Pick<Grant, 'owner'>,
  decider: Decider,
  policy: ApprovalPolicy,
  decision: Level | 'deny',
): DecisionRight {
  const email = normalizeEmail(decider.email);
  if (!decider.userId && !email)
    return { ok: false, reason: 'we could not tell who you are, so you cannot decide' };

  // The email counts too: a Slack click carries no WorkOS user id, and the requester must still be recognised.
  const isRequester =
    (!!decider.userId && decider.userId === grant.owner.userId) ||
    (!!email && email === normalizeEmail(grant.owner.userEmail));

  if (isRequester) {
    if (decision === 'deny') return { ok: true, as: 'requester' };
    if (decision !== 'read' && decision !== 'write')
      return { ok: false, reason: `unknown access level "${decision}"` };
    if (RANK[decision] <= RANK[policy.selfApprove]) return { ok: true, as: 'requester' };
    return {
      ok: false,
      reason:
        policy.selfApprove === 'none'
          ? 'you cannot approve your own requests; an approver has to'
          : `you may approve your own requests up to ${policy.selfApprove} access; ${decision} access needs another approver`,
    };
  }

  if (email && policy.approverEmails.some((listed) => normalizeEmail(listed) === email)) {
    return { ok: true, as: 'approver' };
  }
  // Name the requester only when they could take this decision themselves (not a write above SELF_APPROVE).
  const requesterMay = decision === 'deny' || RANK[decision] <= RANK[policy.selfApprove];
  return {
    ok: false,
    reason: requesterMay
      ? 'only the requester or a configured approver may decide this request'
      : `only a configured approver may approve ${decision} access on this request`,
  };
}

function normalizeEmail(email: string | undefined): string {
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}
