// Specification of POLICY_FILE in the configuration: read and validated at start, the settings as the default.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, policySettings } from '../../src/config.js';

const production = {
  WORKOS_API_KEY: 'sk_test_123',
  WORKOS_CLIENT_ID: 'client_123',
  AUTHKIT_DOMAIN: 'acme.authkit.app',
  APPROVAL_TOKEN_SECRET: 'a'.repeat(32),
  COOKIE_SECRET: 'b'.repeat(32),
};
const example = fileURLToPath(new URL('../../policy.example.yml', import.meta.url));

describe('POLICY_FILE', () => {
  it('unset: the settings form one fallback rule', () => {
    const config = loadConfig({
      ...production,
      SELF_APPROVE: 'read',
      APPROVER_EMAILS: 'Boss@Example.com',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      APPROVERS: 'U0BOB,S0APPR',
      APPROVALS_CHANNEL: 'C0APPROVALS',
    });
    expect(config.policy.file).toBeUndefined();
    expect(config.policy.rules?.source).toEqual({ kind: 'settings' });
    expect(config.policy.rules?.rules.map((rule) => rule.source)).toEqual([
      {
        id: 'settings',
        description: expect.any(String),
        fallback: true,
        selfApprove: 'read',
        limits: { requestsPerMinute: 20 },
        approvers: { slackUsers: ['U0BOB'], slackGroups: ['S0APPR'], emails: ['boss@example.com'] },
        channel: 'C0APPROVALS',
      },
    ]);
  });

  it('a valid file is loaded and compiled', () => {
    const config = loadConfig({ ...production, POLICY_FILE: example });
    expect(config.policy.file).toBe(example);
    expect(config.policy.rules?.rules).toHaveLength(5);
    // The settings keep their meaning for everything not yet wired to the rules.
    expect(config.policy.selfApprove).toBe('write');
  });

  it('a bad file stops the start with its errors, among the other problems', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-policy-')), 'policy.yml');
    writeFileSync(file, 'version: 1\nrules:\n  - id: a\n    approvals: many\n');
    let problems: string[] = [];
    try {
      loadConfig({ ...production, POLICY_FILE: file, DEFAULT_ACCESS_DURATION: '2h' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems).toContainEqual(
      `POLICY_FILE: ${file}:4: rules[0].approvals: Invalid input: expected number, received string`,
    );
    const missing = () => loadConfig({ ...production, POLICY_FILE: '/nonexistent/p.yml' });
    expect(missing).toThrow('POLICY_FILE: /nonexistent/p.yml:0: no such file');
  });

  it('policySettings reads only what the policy needs', () => {
    expect(policySettings({ POLICY_FILE: 'p.yml', APPROVERS: 'U0BOB,S0APPR', WORKOS_API_KEY: 'x' })).toEqual({
      file: 'p.yml',
      settings: {
        selfApprove: 'write',
        approverEmails: [],
        approverUsers: ['U0BOB'],
        approverGroups: ['S0APPR'],
        approvalsChannel: undefined,
        requestsPerMinute: 20,
      },
    });
    expect(() => policySettings({ SELF_APPROVE: 'maybe' })).toThrow(ConfigError);
  });
});
