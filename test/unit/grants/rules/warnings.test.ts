// Specification of the warnings `policy check` prints for valid rules that are probably mistakes.
import { describe, expect, it } from 'vitest';
import { policyWarnings } from '../../../../src/grants/rules/warnings.js';
import { policyOf } from './helpers.js';

describe('policy warnings', () => {
  it.each([
    {
      name: 'more approvals than people named',
      rules: [{ id: 'a', approvals: 3, approvers: { slackUsers: ['U0BOB'], emails: ['dana@example.com'] } }],
      warnings: [
        'a: asks for 3 approvals but names at most 2 approver(s) (unless other matching rules add some)',
      ],
    },
    {
      name: 'a group can supply any number',
      rules: [{ id: 'a', approvals: 3, approvers: { slackGroups: ['S0DATA'] } }],
      warnings: [],
    },
    {
      name: 'a rule without effects',
      rules: [{ id: 'a', match: { providers: ['linear'] } }],
      warnings: ['a: sets nothing, so it has no effect'],
    },
    {
      name: 'a catch-all rule hiding the fallbacks',
      rules: [
        { id: 'all', maxDuration: '1h' },
        { id: 'else', fallback: true, selfApprove: 'read' },
      ],
      warnings: ['all: matches every request, so no fallback rule ever applies'],
    },
  ])('$name', ({ rules, warnings }) => {
    expect(policyWarnings(policyOf(rules))).toEqual(warnings);
  });
});
