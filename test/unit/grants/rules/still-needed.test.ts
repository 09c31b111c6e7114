// Specification of what each provider still needs: distinct eligible approvers, never the requester.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../src/grants/rules/evaluate.js';
import { stillNeeded } from '../../../../src/grants/rules/still-needed.js';
import { policyOf, request, WEDNESDAY_NOON } from './helpers.js';

const policy = policyOf([
  {
    id: 'snowflake-write',
    match: { providers: ['snowflake'] },
    approvals: 2,
    approvers: { slackGroups: ['S0DATA'] },
  },
  { id: 'else', fallback: true, approvers: { slackUsers: ['U0BOB'], emails: ['dana@example.com'] } },
]);
const outcome = evaluatePolicy(
  policy,
  request({ providers: ['linear', 'snowflake'], level: 'write' }),
  WEDNESDAY_NOON,
);
const alice = { slackUserId: 'U0ALICE', email: 'alice@example.com', slackGroups: ['S0DATA'] };
const bob = { slackUserId: 'U0BOB', email: 'bob@example.com', slackGroups: ['S0DATA'] };
const carol = { slackUserId: 'U0CAROL', email: 'carol@example.com', slackGroups: ['S0DATA'] };
const dana = { email: 'dana@example.com' };
const both = ['linear', 'snowflake'];

describe('still needed', () => {
  it.each([
    { name: 'nothing yet', approvals: [], linear: 1, snowflake: 2 },
    { name: 'bob approves both', approvals: [{ by: bob, providers: both }], linear: 0, snowflake: 1 },
    {
      name: 'the same person twice counts once',
      approvals: [
        { by: bob, providers: both },
        { by: { ...bob, email: 'BOB@example.com' }, providers: both },
      ],
      linear: 0,
      snowflake: 1,
    },
    {
      name: 'the requester never counts, even in the group',
      approvals: [{ by: alice, providers: both }],
      linear: 1,
      snowflake: 2,
    },
    {
      name: 'someone not eligible for a provider does not count there',
      approvals: [{ by: dana, providers: both }],
      linear: 0,
      snowflake: 2,
    },
    {
      name: 'a narrowed approval counts only for the providers it kept',
      approvals: [
        { by: carol, providers: ['snowflake'] },
        { by: bob, providers: ['snowflake'] },
      ],
      linear: 1,
      snowflake: 0,
    },
  ])('$name', ({ approvals, linear, snowflake }) => {
    const needs = stillNeeded(outcome, alice, approvals);
    expect(needs.map((n) => [n.provider, n.needed])).toEqual([
      ['linear', linear],
      ['snowflake', snowflake],
    ]);
    expect(needs[1]!.from).toEqual({ slackUsers: [], slackGroups: ['S0DATA'], emails: [] });
  });

  it('leaves out providers decided by a rule', () => {
    const decided = evaluatePolicy(
      policyOf([
        { id: 'auto', match: { providers: ['linear'] }, decision: 'approve' },
        { id: 'else', fallback: true, approvals: 1 },
      ]),
      request({ providers: ['linear', 'notion'] }),
      WEDNESDAY_NOON,
    );
    expect(stillNeeded(decided, alice, []).map((n) => n.provider)).toEqual(['notion']);
  });
});
