// With no POLICY_FILE, today's settings (SELF_APPROVE, APPROVERS, APPROVER_EMAILS, APPROVALS_CHANNEL) as one rule.
import { canonicalJson } from '../../lib/canonical-json.js';
import type { Level } from '../types.js';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import type { PolicyRule } from './schema.js';

export interface PolicySettings {
  selfApprove: Level | 'none';
  /** APPROVER_EMAILS */
  approverEmails: readonly string[];
  /** APPROVERS, split into user ids and user-group ids */
  approverUsers: readonly string[];
  approverGroups: readonly string[];
  approvalsChannel: string | undefined;
  /** REQUESTS_PER_MINUTE */
  requestsPerMinute: number;
}

export const SETTINGS_RULE_ID = 'settings';

/**
 * One fallback rule that matches every request: the requester may approve up to SELF_APPROVE, otherwise one
 * approval from APPROVERS / APPROVER_EMAILS, posted to APPROVALS_CHANNEL, as before there were rules.
 */
export function policyFromSettings(settings: PolicySettings): CompiledPolicy {
  const rule: PolicyRule = {
    id: SETTINGS_RULE_ID,
    description: 'from the environment: SELF_APPROVE, APPROVERS, APPROVER_EMAILS, APPROVALS_CHANNEL',
    fallback: true,
    selfApprove: settings.selfApprove,
    limits: { requestsPerMinute: settings.requestsPerMinute },
  };
  const hasApprovers =
    settings.approverEmails.length + settings.approverUsers.length + settings.approverGroups.length > 0;
  if (hasApprovers) {
    rule.approvers = {
      ...(settings.approverUsers.length > 0 ? { slackUsers: [...settings.approverUsers] } : {}),
      ...(settings.approverGroups.length > 0 ? { slackGroups: [...settings.approverGroups] } : {}),
      ...(settings.approverEmails.length > 0
        ? { emails: settings.approverEmails.map((email) => email.toLowerCase()) }
        : {}),
    };
  }
  if (settings.approvalsChannel) rule.channel = settings.approvalsChannel;
  return compilePolicy({ version: 1, rules: [rule] }, { kind: 'settings' }, canonicalJson(rule));
}
