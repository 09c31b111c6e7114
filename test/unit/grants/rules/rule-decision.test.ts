// What a rule decided for a whole request, read from the verdict recorded on the grant: the request tool applies
// it at once, and the pending refresh posts nothing for it (the decision's refresh does).
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../src/grants/rules/evaluate.js';
import { recordOf, ruleDecision } from '../../../../src/grants/rules/verdict.js';
import { policyOf, request, WEDNESDAY_NOON } from './helpers.js';

const recorded = (rules: unknown[], overrides: Parameters<typeof request>[0] = {}) => {
  const policy = policyOf(rules);
  return recordOf(policy, evaluatePolicy(policy, request(overrides), WEDNESDAY_NOON));
};

describe('ruleDecision', () => {
  it('is approve or deny when a rule decided every provider, and null when people decide', () => {
    expect(
      ruleDecision(recorded([{ id: 'auto', match: { providers: ['linear'] }, decision: 'approve' }])),
    ).toBe('approve');
    expect(ruleDecision(recorded([{ id: 'no', match: { providers: ['linear'] }, decision: 'deny' }]))).toBe(
      'deny',
    );
    const people = recorded([{ id: 'team', fallback: true, approvers: { emails: ['bob@example.com'] } }]);
    expect(ruleDecision(people)).toBeNull();
    expect(ruleDecision(null)).toBeNull();
    expect(ruleDecision(undefined)).toBeNull();
  });

  it('is deny when one provider is denied by a rule and another needs people', () => {
    const mixed = recorded(
      [
        { id: 'no-notion', match: { providers: ['notion'] }, decision: 'deny' },
        { id: 'team', fallback: true, approvers: { emails: ['bob@example.com'] } },
      ],
      { providers: ['linear', 'notion'] },
    );
    expect(ruleDecision(mixed)).toBe('deny');
    expect(mixed.decidedByRule).toBe('no-notion');
  });
});
