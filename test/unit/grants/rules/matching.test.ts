// Specification of rule matching: every match field, alone, against requests that fit it and that do not.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type MismatchField } from '../../../../src/grants/rules/evaluate.js';
import { policyOf, request, WEDNESDAY_NOON } from './helpers.js';

const call = (method: 'GET' | 'POST', url: string) => ({ kind: 'call' as const, call: { method, url } });

// Each row: a rule's match, a request that fits it, a request that does not and the field named for it.
const rows: {
  name: string;
  match: Record<string, unknown>;
  fits: Parameters<typeof request>[0];
  misses: Parameters<typeof request>[0];
  field: MismatchField;
}[] = [
  {
    name: 'providers',
    match: { providers: ['notion'] },
    fits: { providers: ['notion'] },
    misses: {},
    field: 'provider',
  },
  {
    name: 'providers, case-insensitively',
    match: { providers: ['Notion'] },
    fits: { providers: ['NOTION'] },
    misses: { providers: ['linear'] },
    field: 'provider',
  },
  {
    name: 'one level',
    match: { level: 'write' },
    fits: { level: 'write' },
    misses: { level: 'read' },
    field: 'level',
  },
  {
    name: 'a list of levels',
    match: { level: ['write'] },
    fits: { level: 'write' },
    misses: { level: 'read' },
    field: 'level',
  },
  {
    name: 'kind session',
    match: { kind: 'session' },
    fits: {},
    misses: call('GET', 'https://a/b'),
    field: 'kind',
  },
  { name: 'kind call', match: { kind: 'call' }, fits: call('GET', 'https://a/b'), misses: {}, field: 'kind' },
  {
    name: 'requester email, case-insensitively',
    match: { requester: { emails: ['Alice@Example.com'] } },
    fits: { requester: { email: 'ALICE@example.COM' } },
    misses: { requester: { email: 'bob@example.com' } },
    field: 'requester',
  },
  {
    name: 'requester email domain',
    match: { requester: { emails: ['*@example.com'] } },
    fits: { requester: { email: 'bob@example.com' } },
    misses: { requester: { email: 'bob@example.com.evil.org' } },
    field: 'requester',
  },
  {
    name: 'requester WorkOS organization',
    match: { requester: { organizations: ['org_A'] } },
    fits: {},
    misses: { requester: { organizationId: null } },
    field: 'requester',
  },
  {
    name: 'requester Slack user',
    match: { requester: { slackUsers: ['U0ALICE'] } },
    fits: {},
    misses: { requester: { slackUserId: null } },
    field: 'requester',
  },
  {
    name: 'requester Slack user group (membership resolved by the caller)',
    match: { requester: { slackGroups: ['S0DATA'] } },
    fits: { requester: { slackGroups: ['S0OTHER', 'S0DATA'] } },
    misses: { requester: { slackGroups: ['S0OTHER'] } },
    field: 'requester',
  },
  {
    name: 'requester: any listed identity',
    match: { requester: { emails: ['carol@example.com'], slackGroups: ['S0DATA'] } },
    fits: { requester: { slackGroups: ['S0DATA'] } },
    misses: {},
    field: 'requester',
  },
  {
    name: 'client name, exact or wildcard',
    match: { clients: ['claude-code', 'cursor*'] },
    fits: { clientName: 'Cursor-1.4' },
    misses: { clientName: 'inspector' },
    field: 'client',
  },
  {
    name: 'client name unknown',
    match: { clients: ['*'] },
    fits: { clientName: 'anything' },
    misses: { clientName: null },
    field: 'client',
  },
  {
    name: 'method',
    match: { kind: 'call', methods: ['POST'] },
    fits: call('POST', 'https://api.linear.app/graphql'),
    misses: call('GET', 'https://api.linear.app/graphql'),
    field: 'method',
  },
  {
    name: 'URL wildcard',
    match: { kind: 'call', urls: ['https://api.example.com/deploys/*'] },
    fits: call('POST', 'https://api.example.com/deploys/42'),
    misses: call('POST', 'https://api.example.com/builds/42'),
    field: 'url',
  },
  {
    name: 'URL exact (a literal dot is not a wildcard)',
    match: { kind: 'call', urls: ['https://api.example.com/x'] },
    fits: call('GET', 'https://api.example.com/x'),
    misses: call('GET', 'https://apiXexample.com/x'),
    field: 'url',
  },
  {
    name: 'URL ^regex$',
    match: { kind: 'call', urls: ['^https://api\\.example\\.com/v[0-9]+/deploys$'] },
    fits: call('POST', 'https://api.example.com/v2/deploys'),
    misses: call('POST', 'https://api.example.com/vX/deploys'),
    field: 'url',
  },
];

describe('a rule matches on', () => {
  it.each(rows)('$name', ({ match, fits, misses, field }) => {
    const policy = policyOf([{ id: 'r', match, decision: 'approve' }]);
    const yes = evaluatePolicy(policy, request(fits), WEDNESDAY_NOON);
    expect(yes.rules).toEqual(['r']);
    expect(yes.decision).toBe('approve');
    const no = evaluatePolicy(policy, request(misses), WEDNESDAY_NOON);
    expect(no.rules).toEqual([]);
    expect(no.notMatched.map((n) => [n.rule.id, n.field])).toEqual([['r', field]]);
  });

  it('all fields at once (every field must fit)', () => {
    const policy = policyOf([
      {
        id: 'r',
        match: {
          providers: ['linear'],
          level: 'write',
          kind: 'call',
          requester: { emails: ['alice@example.com'] },
          clients: ['claude-code'],
          methods: ['POST'],
          urls: ['https://api.linear.app/*'],
        },
        decision: 'deny',
      },
    ]);
    const fits = request({ level: 'write', ...call('POST', 'https://api.linear.app/graphql') });
    expect(evaluatePolicy(policy, fits, WEDNESDAY_NOON).decidedBy).toBe('r');
    const otherClient = { ...fits, clientName: 'cursor' };
    expect(evaluatePolicy(policy, otherClient, WEDNESDAY_NOON).notMatched[0]?.field).toBe('client');
  });

  it('nothing listed: every request', () => {
    const policy = policyOf([{ id: 'all', selfApprove: 'write' }]);
    expect(evaluatePolicy(policy, request({ providers: ['x', 'y'] }), WEDNESDAY_NOON).rules).toEqual(['all']);
  });
});
