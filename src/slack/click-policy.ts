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
