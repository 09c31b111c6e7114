// Builds policies and requests for the rules-engine tests from plain objects.
import { type CompiledPolicy, compilePolicy } from '../../../../src/grants/rules/compile.js';
import type { PolicyRequest } from '../../../../src/grants/rules/evaluate.js';
import { policySchema } from '../../../../src/grants/rules/schema.js';

/** Rules as they would be written in the file (validated by the same schema). */
export function policyOf(rules: unknown[]): CompiledPolicy {
  return compilePolicy(
    policySchema.parse({ version: 1, rules }),
    { kind: 'file', file: 'test.yml' },
    JSON.stringify(rules),
  );
}

export function request(
  overrides: Partial<Omit<PolicyRequest, 'requester'>> & {
    requester?: Partial<PolicyRequest['requester']>;
  } = {},
): PolicyRequest {
  const { requester, ...rest } = overrides;
  return {
    providers: ['linear'],
    level: 'read',
    kind: 'session',
    clientName: 'claude-code',
    call: null,
    ...rest,
    requester: {
      email: 'alice@example.com',
      organizationId: 'org_A',
      slackUserId: 'U0ALICE',
      slackGroups: [],
      ...requester,
    },
  };
}

/** A Wednesday at noon UTC, inside any ordinary office hours in Europe. */
export const WEDNESDAY_NOON = Date.parse('2026-12-02T12:00:00Z');
