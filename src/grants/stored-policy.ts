// The stored form of the policy record a grant keeps (GrantPolicy): neighbouring gates that differ only in their
// provider are stored once, and empty or default fields are left out. Under one rule (the implicit policy from
// the environment, or any policy whose rule covers every provider asked for) every gate is the same, and the
// record was a third of a pending grant's memory. Stored records of the full form still read as they were.
import type { GrantGate, GrantPolicy } from './types.js';

/** A run of neighbouring gates alike but for their provider, with what is empty or default left out. */
interface StoredGateGroup {
  providers: string[];
  /** Absent when the same as the record's own `rules` (one rule governing every provider, say). */
  rules?: string[];
  decision: GrantGate['decision'];
  approvals: number;
  approvers?: Partial<GrantGate['approvers']>;
  /** Present only when true. */
  requesterMaySelfApprove?: true;
  selfApprove: GrantGate['selfApprove'];
  channels?: string[];
  outsideHours?: string[];
}

/** GrantPolicy as stored: its gates grouped (marked by `providers`), null fields left out. */
export interface StoredPolicy {
  version: string;
  rules: string[];
  decidedByRule?: string;
  maxDurationMs?: number;
  gates: Array<StoredGateGroup | GrantGate>;
}

const APPROVER_KINDS = ['slackUsers', 'slackGroups', 'emails'] as const;

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, i) => item === b[i]);

function storedGate(gate: GrantGate, providers: string[], policyRules: readonly string[]): StoredGateGroup {
  const approvers: Partial<GrantGate['approvers']> = {};
  for (const kind of APPROVER_KINDS)
    if (gate.approvers[kind].length > 0) approvers[kind] = gate.approvers[kind];
  return {
    providers,
    ...(sameList(gate.rules, policyRules) ? {} : { rules: gate.rules }),
    decision: gate.decision,
    approvals: gate.approvals,
    ...(Object.keys(approvers).length > 0 ? { approvers } : {}),
    ...(gate.requesterMaySelfApprove ? { requesterMaySelfApprove: true as const } : {}),
    selfApprove: gate.selfApprove,
    ...(gate.channels.length > 0 ? { channels: gate.channels } : {}),
    ...(gate.outsideHours && gate.outsideHours.length > 0 ? { outsideHours: gate.outsideHours } : {}),
  };
}

/** The gate without its provider, as a key: two gates with the same key differ only in their provider. */
const likeness = (gate: GrantGate) => JSON.stringify(storedGate(gate, [], []));

export function storePolicy(policy: GrantPolicy): StoredPolicy {
  const gates: StoredGateGroup[] = [];
  let previous: string | null = null;
  for (const gate of policy.gates) {
    const key = likeness(gate);
    const last = gates.at(-1);
    // Only neighbours are grouped: the gates' order matters (the first gate's channel is where a request goes).
    if (last && key === previous) last.providers.push(gate.provider);
    else gates.push(storedGate(gate, [gate.provider], policy.rules));
    previous = key;
  }
  return {
    version: policy.version,
    rules: policy.rules,
    ...(policy.decidedByRule !== null ? { decidedByRule: policy.decidedByRule } : {}),
    ...(policy.maxDurationMs !== null ? { maxDurationMs: policy.maxDurationMs } : {}),
    gates,
  };
}

function readGate(stored: StoredGateGroup, provider: string, policyRules: readonly string[]): GrantGate {
  return {
    provider,
    rules: [...(stored.rules ?? policyRules)],
    decision: stored.decision,
    approvals: stored.approvals,
    approvers: {
      slackUsers: [...(stored.approvers?.slackUsers ?? [])],
      slackGroups: [...(stored.approvers?.slackGroups ?? [])],
      emails: [...(stored.approvers?.emails ?? [])],
    },
    requesterMaySelfApprove: stored.requesterMaySelfApprove === true,
    selfApprove: stored.selfApprove,
    channels: [...(stored.channels ?? [])],
    ...(stored.outsideHours ? { outsideHours: [...stored.outsideHours] } : {}),
  };
}

/** The record as the domain knows it, from either stored form. */
export function readPolicy(stored: StoredPolicy): GrantPolicy {
  return {
    version: stored.version,
    rules: stored.rules,
    decidedByRule: stored.decidedByRule ?? null,
    maxDurationMs: stored.maxDurationMs ?? null,
    gates: stored.gates.flatMap((gate) =>
      'providers' in gate ? gate.providers.map((provider) => readGate(gate, provider, stored.rules)) : [gate],
    ),
  };
}
