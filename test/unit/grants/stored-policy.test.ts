// The policy record a grant keeps is stored compacted and reads back exactly as it was, in gate order; records
// stored in the full form (before the compaction) read as they were.
import { describe, expect, it } from 'vitest';
import { readPolicy, storePolicy } from '../../../src/grants/stored-policy.js';
import type { GrantPolicy } from '../../../src/grants/types.js';
import { gate, policyOf } from './policy-records.js';

/** Stored and read back through JSON, as the grant record goes through Redis. */
const roundTrip = (policy: GrantPolicy) => readPolicy(JSON.parse(JSON.stringify(storePolicy(policy))));

describe('the stored policy record', () => {
  it('stores gates alike but for their provider once, and reads them back one per provider', () => {
    const policy = policyOf([gate('linear'), gate('notion'), gate('snowflake')]);
    const stored = storePolicy(policy);
    expect(stored.gates).toHaveLength(1);
    expect(stored.gates[0]).toMatchObject({ providers: ['linear', 'notion', 'snowflake'] });
    // The gate's rules are the record's own: not stored twice.
    expect(stored.gates[0]).not.toHaveProperty('rules');
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(policy).length / 2);
    expect(roundTrip(policy)).toEqual(policy);
  });

  it('keeps every difference and the gates’ order (the first gate’s channel is where a request goes)', () => {
    const policy = policyOf(
      [
        gate('linear', {
          channels: ['C0LINEAR'],
          approvers: { slackUsers: ['U0A'], slackGroups: [], emails: [] },
        }),
        gate('notion'),
        gate('jira', {
          channels: ['C0LINEAR'],
          approvers: { slackUsers: ['U0A'], slackGroups: [], emails: [] },
        }),
        gate('snowflake', { decision: 'deny', approvals: 0, rules: ['no-prod'], channels: [] }),
        gate('github', { requesterMaySelfApprove: true, selfApprove: 'write', outsideHours: ['office'] }),
        gate('gitlab', {
          approvals: 2,
          approvers: { slackUsers: ['U0B'], slackGroups: ['S0X'], emails: ['a@x.io'] },
        }),
      ],
      { rules: ['settings', 'no-prod', 'office'], decidedByRule: 'no-prod', maxDurationMs: 3_600_000 },
    );
    const back = roundTrip(policy);
    expect(back).toEqual(policy);
    expect(back.gates.map((g) => g.provider)).toEqual([
      'linear',
      'notion',
      'jira',
      'snowflake',
      'github',
      'gitlab',
    ]);
  });

  it('reads a record stored in the full form as it is', () => {
    const policy = policyOf([gate('linear'), gate('notion', { outsideHours: ['office'] })]);
    expect(readPolicy(JSON.parse(JSON.stringify(policy)))).toEqual(policy);
  });

  it('gives every read its own arrays (a caller changing one changes no other gate)', () => {
    const back = roundTrip(policyOf([gate('linear'), gate('notion')]));
    back.gates[0]!.approvers.slackGroups.push('S0OTHER');
    expect(back.gates[1]!.approvers.slackGroups).toEqual(['S0APPROVERS']);
  });
});
