// Policy records as grants keep them (GrantPolicy), for the stored-form tests: one gate per provider under the
// implicit settings rule unless a test says otherwise.
import type { GrantGate, GrantPolicy } from '../../../src/grants/types.js';

export const gate = (provider: string, over: Partial<GrantGate> = {}): GrantGate => ({
  provider,
  rules: ['settings'],
  decision: 'needs-approval',
  approvals: 1,
  approvers: { slackUsers: [], slackGroups: ['S0APPROVERS'], emails: [] },
  requesterMaySelfApprove: false,
  selfApprove: 'read',
  channels: ['C0APPROVALS'],
  ...over,
});

export const policyOf = (gates: GrantGate[], over: Partial<GrantPolicy> = {}): GrantPolicy => ({
  version: '6f9fb368785b2f24',
  rules: ['settings'],
  decidedByRule: null,
  maxDurationMs: null,
  gates,
  ...over,
});
