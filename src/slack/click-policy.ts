// Who may decide from Slack: the approval policy in force at the moment of the click (rules, or the settings).
import type { Config, SlackConfig } from '../config.js';
import { approverDecision, type ClickAuthorization, requesterDecision } from '../grants/decide-rights.js';
import { personKey } from '../grants/quorum.js';
import { groupsOf, judgeGrant } from '../grants/rules/verdict.js';
import type { Grant, Level } from '../grants/types.js';
import { policyInForce } from '../lib/policy-in-force.js';
import type { SlackDirectory, SlackUser } from './directory.js';
import { groupsOf as memberGroups } from './policy-people.js';

export type { ClickAuthorization } from '../grants/decide-rights.js';

type PolicyDeps = { slack: SlackConfig; policy: Config['policy']; directory: SlackDirectory };

/** An approver is anyone a rule of the policy in force lists as approver (user, group member or email). */
export async function isSlackApprover(
  user: SlackUser,
  slack: SlackConfig,
  policy: Config['policy'],
  directory: SlackDirectory,
): Promise<boolean> {
  const rules = policyInForce({ policy, slack }).rules;
  const email = user.email?.toLowerCase() ?? null;
  const groups = new Set<string>();
  for (const rule of rules) {
    if (rule.approvers.slackUsers.includes(user.id)) return true;
    if (email && rule.approvers.emails.some((listed) => emailMatches(listed, email))) return true;
    for (const group of rule.approvers.slackGroups) groups.add(group);
  }
  return (await memberGroups(directory, user.id, [...groups])).length > 0;
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

export async function roleOf(user: SlackUser | null, deps: PolicyDeps): Promise<Role> {
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
  deps: PolicyDeps,
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
 * Checked on every click against the policy in force now and the live directory: a forwarded message or a
 * stranger in the channel is refused, a requester approves their own request only up to the self-approval
 * level of every provider, and an approver's approval counts toward the providers they may approve.
 */
export async function authorizeClick(
  grant: Grant,
  clicker: SlackUser | null,
  requesterSlackId: string | null,
  decision: { level: Level | 'deny'; providers: readonly string[] },
  deps: PolicyDeps & { now(): number },
): Promise<ClickAuthorization> {
  if (!clicker || clicker.deleted || clicker.isBot)
    return { ok: false, reason: 'Your Slack account cannot decide requests.' };
  const policy = policyInForce(deps);
  const groups = groupsOf(policy);
  const requesterGroups = requesterSlackId
    ? await memberGroups(deps.directory, requesterSlackId, groups)
    : [];
  const { record } = judgeGrant(
    policy,
    grant,
    { slackUserId: requesterSlackId, slackGroups: requesterGroups },
    deps.now(),
  );
  const isRequester =
    clicker.id === requesterSlackId ||
    (clicker.email !== null && clicker.email === grant.owner.userEmail.toLowerCase());
  const requester = { slackUserId: requesterSlackId, email: grant.owner.userEmail };
  if (isRequester) return requesterDecision(record, decision);
  const person = {
    slackUserId: clicker.id,
    email: clicker.email,
    slackGroups: await memberGroups(deps.directory, clicker.id, groups),
  };
  return approverDecision(record, { ...person, key: personKey(person) }, requester, decision);
}

function emailMatches(listed: string, email: string): boolean {
  return listed.startsWith('*@') ? email.endsWith(listed.slice(1)) : listed === email;
}
