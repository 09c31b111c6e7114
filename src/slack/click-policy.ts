// Who may decide from Slack: the live policy (SELF_APPROVE, APPROVERS users and groups, APPROVER_EMAILS).
import type { Config, SlackConfig } from '../config.js';
import { mayDecide } from '../grants/policy.js';
import type { Grant, Level } from '../grants/types.js';
import type { SlackDirectory, SlackUser } from './directory.js';

export type ClickAuthorization = { ok: true; as: 'requester' | 'approver' } | { ok: false; reason: string };

export async function isSlackApprover(
  user: SlackUser,
  slack: SlackConfig,
  policy: Config['policy'],
  directory: SlackDirectory,
): Promise<boolean> {
  if (slack.approverUsers.includes(user.id)) return true;
  if (user.email && policy.approverEmails.includes(user.email)) return true;
  for (const group of slack.approverGroups) {
    if ((await directory.groupMembers(group)).includes(user.id)) return true;
  }
  return false;
}

/** Admins see every grant, may revoke any of them, and read the audit from Slack. */
export async function isSlackAdmin(
  user: SlackUser,
  slack: SlackConfig,
  directory: SlackDirectory,
): Promise<boolean> {
  if (slack.adminUsers.includes(user.id)) return true;
  for (const group of slack.adminGroups) {
    if ((await directory.groupMembers(group)).includes(user.id)) return true;
  }
  return false;
}

export const isRequesterOf = (grant: Grant, user: SlackUser): boolean =>
  user.email !== null && user.email === grant.owner.userEmail.toLowerCase();

export type Role = { approver: boolean; admin: boolean };

export async function roleOf(
  user: SlackUser | null,
  deps: { slack: SlackConfig; policy: Config['policy']; directory: SlackDirectory },
): Promise<Role> {
  if (!user || user.deleted || user.isBot) return { approver: false, admin: false };
  const [approver, admin] = await Promise.all([
    isSlackApprover(user, deps.slack, deps.policy, deps.directory),
    isSlackAdmin(user, deps.slack, deps.directory),
  ]);
  return { approver, admin };
}

/** Revoke: the requester (ending their own access), an approver or an admin. Extend: approvers and admins. */
export async function authorizeChange(
  grant: Grant,
  user: SlackUser | null,
  change: 'revoke' | 'extend',
  deps: { slack: SlackConfig; policy: Config['policy']; directory: SlackDirectory },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!user || user.deleted || user.isBot)
    return { ok: false, reason: 'Your Slack account cannot change grants.' };
  const role = await roleOf(user, deps);
  if (role.approver || role.admin) return { ok: true };
  if (change === 'revoke' && isRequesterOf(grant, user)) return { ok: true };
  return {
    ok: false,
    reason:
      change === 'revoke'
        ? 'Only the requester, an approver or an admin can end this access.'
        : 'Only an approver or an admin can extend access.',
  };
}

/**
 * Checked on every click against the live directory: a forwarded message or a stranger in the channel is
 * refused, and a requester never approves their own request above SELF_APPROVE.
 */
export async function authorizeClick(
  grant: Grant,
  clicker: SlackUser | null,
  requesterSlackId: string | null,
  decision: Level | 'deny',
  deps: { slack: SlackConfig; policy: Config['policy']; directory: SlackDirectory },
): Promise<ClickAuthorization> {
  if (!clicker || clicker.deleted || clicker.isBot)
    return { ok: false, reason: 'Your Slack account cannot decide requests.' };
  const isRequester =
    clicker.id === requesterSlackId ||
    (clicker.email !== null && clicker.email === grant.owner.userEmail.toLowerCase());
  const approver = await isSlackApprover(clicker, deps.slack, deps.policy, deps.directory);
  // The policy speaks in emails; a Slack approver without a visible email is named by id on both sides.
  const email = isRequester ? grant.owner.userEmail : (clicker.email ?? `slack:${clicker.id}`);
  const verdict = mayDecide(
    grant,
    isRequester ? { userId: grant.owner.userId, email } : { email },
    { selfApprove: deps.policy.selfApprove, approverEmails: approver ? [email.toLowerCase()] : [] },
    decision,
  );
  return verdict.ok ? { ok: true, as: verdict.as } : { ok: false, reason: verdict.reason };
}
