// The approval policy in force at this moment: the live (reloaded) file's, else the settings as one rule.
import type { Config } from '../config.js';
import type { CompiledPolicy } from '../grants/rules/compile.js';
import { policyFromSettings } from '../grants/rules/from-settings.js';

const fromSettings = new WeakMap<Config['policy'], CompiledPolicy>();

/**
 * `config.policy.rules` is replaced on reload (src/lib/policy-reload.ts), so reading it at each decision is
 * reading the policy in force. A config built without rules (tests, tools) gets its settings as the policy.
 */
export function policyInForce(config: Pick<Config, 'policy' | 'slack'>): CompiledPolicy {
  if (config.policy.rules) return config.policy.rules;
  let policy = fromSettings.get(config.policy);
  if (!policy) {
    policy = policyFromSettings({
      selfApprove: config.policy.selfApprove,
      approverEmails: config.policy.approverEmails,
      approverUsers: config.slack?.approverUsers ?? [],
      approverGroups: config.slack?.approverGroups ?? [],
      approvalsChannel: config.slack?.approvalsChannel,
      requestsPerMinute: config.policy.requestsPerMinute,
    });
    fromSettings.set(config.policy, policy);
  }
  return policy;
}
