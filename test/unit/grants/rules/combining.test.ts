// Specification of how matching rules combine: strictest effects, deny beats approve, fallbacks, provider gates.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../src/grants/rules/evaluate.js';
import { policyFromSettings } from '../../../../src/grants/rules/from-settings.js';
import { policyOf, request, WEDNESDAY_NOON } from './helpers.js';

const evaluate = (rules: unknown[], overrides: Parameters<typeof request>[0] = {}) =>
  evaluatePolicy(policyOf(rules), request(overrides), WEDNESDAY_NOON);

describe('every matching rule applies, merged to the strictest', () => {
  // Each row: two rules that both match, and what the merged outcome shows.
  it.each([
    {
      name: 'shortest maxDuration and defaultDuration, the default held to the maximum',
      a: { maxDuration: '8h', defaultDuration: '4h' },
      b: { maxDuration: '2h' },
      expected: { maxDurationMs: 2 * 3_600_000, defaultDurationMs: 2 * 3_600_000 },
    },
    {
      name: 'shortest defaultDuration',
      a: { defaultDuration: '30m' },
      b: { defaultDuration: '1h' },
      expected: { maxDurationMs: null, defaultDurationMs: 30 * 60_000 },
    },
    {
      name: 'requireReason if any rule asks',
      a: { requireReason: true },
      b: { requireReason: false },
      expected: { requireReason: true },
    },
    {
      name: 'the lowest limits',
      a: { limits: { maxPending: 3, requestsPerMinute: 50 } },
      b: { limits: { requestsPerMinute: 5 } },
      expected: { limits: { maxPending: 3, requestsPerMinute: 5 } },
    },
  ])('$name', ({ a, b, expected }) => {
    const outcome = evaluate([
      { id: 'a', ...a },
      { id: 'b', ...b },
    ]);
    expect(outcome.rules).toEqual(['a', 'b']);
    expect(outcome).toMatchObject(expected);
  });

  it.each([
    { a: 'write', b: 'read', expected: 'read', mayWrite: false },
    { a: 'write', b: 'none', expected: 'none', mayWrite: false },
    { a: 'write', b: undefined, expected: 'write', mayWrite: true },
  ])('the lowest selfApprove: $a and $b give $expected', ({ a, b, expected, mayWrite }) => {
    const gate = evaluate(
      [
        { id: 'a', selfApprove: a },
        { id: 'b', ...(b ? { selfApprove: b } : {}) },
      ],
      { level: 'write' },
    ).gates[0]!;
    expect(gate.selfApprove).toBe(expected);
    expect(gate.requesterMaySelfApprove).toBe(mayWrite);
  });

  it('the most approvals, from everyone any rule names, posted to every channel named', () => {
    const gate = evaluate([
      { id: 'a', approvals: 2, approvers: { slackGroups: ['S0DATA'] }, channel: 'C0DATA' },
      {
        id: 'b',
        approvals: 3,
        approvers: { slackUsers: ['U0SEC'], emails: ['sec@example.com'] },
        channel: 'C0SEC',
      },
      { id: 'c', approvers: { slackGroups: ['S0DATA'] } },
    ]).gates[0]!;
    expect(gate).toMatchObject({
      decision: 'needs-approval',
      approvals: 3,
      approvers: { slackGroups: ['S0DATA'], slackUsers: ['U0SEC'], emails: ['sec@example.com'] },
      channels: ['C0DATA', 'C0SEC'],
    });
  });

  it('no self-approval unless a rule grants it', () => {
    const gate = evaluate([{ id: 'a', approvers: { slackUsers: ['U0BOB'] } }]).gates[0]!;
    expect(gate).toMatchObject({ selfApprove: 'none', requesterMaySelfApprove: false, approvals: 1 });
  });
});

describe('decisions by rule', () => {
  it('approve decides at once when no matching rule asks for people', () => {
    const outcome = evaluate([
      { id: 'auto', decision: 'approve' },
      { id: 'cap', maxDuration: '1h' },
    ]);
    expect(outcome).toMatchObject({ decision: 'approve', reason: 'rule-approved', decidedBy: 'auto' });
    expect(outcome.gates[0]!.approvals).toBe(0);
  });

  it('approve yields to a matching rule that asks for approvals (needs approval is stricter)', () => {
    const outcome = evaluate([
      { id: 'auto', decision: 'approve' },
      { id: 'two', approvals: 2 },
    ]);
    expect(outcome).toMatchObject({ decision: 'needs-approval', decidedBy: null });
    expect(outcome.gates[0]!.approvals).toBe(2);
  });

  it.each([
    ['deny before approve', ['deny', 'approve']],
    ['approve before deny', ['approve', 'deny']],
  ])('deny beats approve whatever the order (%s)', (_name, order) => {
    const outcome = evaluate(order.map((decision, i) => ({ id: `r${i}`, decision })));
    expect(outcome).toMatchObject({ decision: 'deny', reason: 'rule-denied' });
    expect(outcome.decidedBy).toBe(`r${order.indexOf('deny')}`);
  });

  it('deny beats a fallback approve and a rule asking for approvals', () => {
    const outcome = evaluate([
      { id: 'two', approvals: 2 },
      { id: 'no-contractors', match: { requester: { organizations: ['org_A'] } }, decision: 'deny' },
      { id: 'else', fallback: true, decision: 'approve' },
    ]);
    expect(outcome).toMatchObject({
      decision: 'deny',
      decidedBy: 'no-contractors',
      rules: ['two', 'no-contractors'],
    });
  });

  it('no matching rule: denied, and said so', () => {
    const outcome = evaluate([{ id: 'notion-only', match: { providers: ['notion'] }, decision: 'approve' }]);
    expect(outcome).toMatchObject({
      decision: 'deny',
      reason: 'no-matching-rule',
      decidedBy: null,
      rules: [],
    });
  });
});

describe('fallback rules', () => {
  const rules = [
    {
      id: 'alice-linear',
      match: { providers: ['linear'], requester: { emails: ['alice@example.com'] } },
      decision: 'approve',
    },
    { id: 'else', fallback: true, selfApprove: 'write', approvers: { slackGroups: ['S0APPR'] } },
  ];

  it('applies only when no other rule matches', () => {
    const governed = evaluate(rules);
    expect(governed).toMatchObject({ decision: 'approve', rules: ['alice-linear'] });
    expect(governed.notMatched.map((n) => [n.rule.id, n.field])).toEqual([['else', 'fallback']]);

    const bob = evaluate(rules, { requester: { email: 'bob@example.com' } });
    expect(bob).toMatchObject({ decision: 'needs-approval', rules: ['else'] });
    expect(bob.notMatched.map((n) => [n.rule.id, n.field])).toEqual([['alice-linear', 'requester']]);
  });

  it('is decided per provider: it governs the providers no other rule covers', () => {
    const outcome = evaluate(rules, { providers: ['linear', 'notion'] });
    expect(outcome.gates.map((g) => [g.provider, g.rules, g.decision])).toEqual([
      ['linear', ['alice-linear'], 'approve'],
      ['notion', ['else'], 'needs-approval'],
    ]);
    expect(outcome).toMatchObject({
      decision: 'needs-approval',
      rules: ['alice-linear', 'else'],
      notMatched: [],
    });
  });

  it('several fallbacks merge like any rules', () => {
    const outcome = evaluate([
      { id: 'f1', fallback: true, maxDuration: '1h' },
      { id: 'f2', fallback: true, approvals: 2 },
    ]);
    expect(outcome).toMatchObject({ rules: ['f1', 'f2'], maxDurationMs: 3_600_000 });
    expect(outcome.gates[0]!.approvals).toBe(2);
  });
});

describe('a request spanning providers governed by different rules', () => {
  const rules = [
    {
      id: 'snowflake-write',
      match: { providers: ['snowflake'], level: 'write' },
      approvals: 2,
      approvers: { slackGroups: ['S0DATA'] },
      maxDuration: '1h',
    },
    { id: 'linear-auto', match: { providers: ['linear'] }, decision: 'approve', maxDuration: '8h' },
    { id: 'notion-never', match: { providers: ['notion'] }, decision: 'deny' },
  ];

  it('gets one gate per provider, saying what each needs', () => {
    const outcome = evaluate(rules, { providers: ['linear', 'snowflake'], level: 'write' });
    expect(outcome.decision).toBe('needs-approval');
    expect(outcome.gates).toMatchObject([
      {
        provider: 'linear',
        rules: ['linear-auto'],
        decision: 'approve',
        decidedBy: 'linear-auto',
        approvals: 0,
      },
      {
        provider: 'snowflake',
        rules: ['snowflake-write'],
        decision: 'needs-approval',
        approvals: 2,
        approvers: { slackGroups: ['S0DATA'] },
      },
    ]);
    // The whole request gets the shortest duration of its gates.
    expect(outcome.maxDurationMs).toBe(3_600_000);
  });

  it('is denied as a whole when any provider is denied', () => {
    const outcome = evaluate(rules, { providers: ['linear', 'notion'] });
    expect(outcome).toMatchObject({
      decision: 'deny',
      decidedBy: 'notion-never',
      rules: ['linear-auto', 'notion-never'],
    });
  });

  it('is approved at once only when every provider is', () => {
    expect(evaluate(rules, { providers: ['linear', 'LINEAR'] }).decision).toBe('approve');
    expect(evaluate(rules, { providers: ['linear', 'jira'] })).toMatchObject({
      decision: 'deny',
      reason: 'no-matching-rule',
    });
  });
});

describe('without a policy file', () => {
  const settings = {
    selfApprove: 'read' as const,
    approverEmails: ['Boss@Example.com'],
    approverUsers: ['U0BOB'],
    approverGroups: ['S0APPR'],
    approvalsChannel: 'C0APPROVALS',
    requestsPerMinute: 20,
  };

  it('the settings are one fallback rule that behaves as today', () => {
    const policy = policyFromSettings(settings);
    const write = evaluatePolicy(
      policy,
      request({ level: 'write', providers: ['linear', 'notion'] }),
      WEDNESDAY_NOON,
    );
    expect(write).toMatchObject({
      decision: 'needs-approval',
      rules: ['settings'],
      limits: { requestsPerMinute: 20 },
    });
    expect(write.gates[0]).toMatchObject({
      selfApprove: 'read',
      requesterMaySelfApprove: false,
      approvals: 1,
      approvers: { slackUsers: ['U0BOB'], slackGroups: ['S0APPR'], emails: ['boss@example.com'] },
      channels: ['C0APPROVALS'],
    });
    const read = evaluatePolicy(policy, request({ level: 'read' }), WEDNESDAY_NOON);
    expect(read.gates[0]!.requesterMaySelfApprove).toBe(true);
  });

  it('with no approvers and no channel, only self-approval is possible', () => {
    const policy = policyFromSettings({
      ...settings,
      approverEmails: [],
      approverUsers: [],
      approverGroups: [],
      approvalsChannel: undefined,
    });
    const gate = evaluatePolicy(policy, request(), WEDNESDAY_NOON).gates[0]!;
    expect(gate).toMatchObject({ approvers: { slackUsers: [], slackGroups: [], emails: [] }, channels: [] });
  });
});
