// Specification of the api.* audit event builder: the same entry, field for field and in order, as always.
import { describe, expect, it } from 'vitest';
import { apiEvent, type CallAudit, grantFields, upstreamTarget } from '../../../src/audit/fields.js';

const audit: CallAudit = {
  userId: 'user_1',
  userEmail: 'ada@example.com',
  sid: 'sess_1',
  organizationId: null,
  callId: 'call_0000000100000001',
};
const upstream = {
  ...upstreamTarget('POST', 'https://api.linear.app/graphql?x=1'),
  status: 200,
  durationMs: 1.5,
};

describe('apiEvent', () => {
  it('writes what spreading the caller, the grant and the provider wrote, in the same order', () => {
    for (const grant of [
      { id: 'g_1', kind: 'broad' as const, policy: { rules: ['r1', 'r2'], version: 'v7' } },
      { id: 'g_2', kind: 'request' as const, policy: null },
      { id: 'g_3', kind: 'broad' as const },
    ]) {
      const spread = { type: 'api.call', ...audit, ...grantFields(grant), provider: 'linear', upstream };
      expect(JSON.stringify(apiEvent('api.call', audit, grant, 'linear', upstream))).toBe(
        JSON.stringify(spread),
      );
    }
  });

  it('adds the refusal’s detail last', () => {
    const grant = { id: 'g_1', kind: 'broad' as const, policy: { rules: ['r1'], version: 'v1' } };
    const target = upstreamTarget('GET', 'https://api.notion.com/v1/pages/1?secret=2');
    const event = apiEvent('api.refused', audit, grant, 'notion', target, 'not_connected');
    expect(Object.keys(event)).toEqual([
      'type',
      'userId',
      'userEmail',
      'sid',
      'organizationId',
      'callId',
      'grantId',
      'kind',
      'rules',
      'policyVersion',
      'provider',
      'upstream',
      'detail',
    ]);
    expect(event).toMatchObject({
      type: 'api.refused',
      upstream: { method: 'GET', host: 'api.notion.com', path: '/v1/pages/1' },
      detail: 'not_connected',
    });
  });
});
