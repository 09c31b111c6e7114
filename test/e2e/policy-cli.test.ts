// Specification of `npm run policy -- check|explain`, run as a real process.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = join(root, 'policy.example.yml');

function policy(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/policy.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'policy-cli-')), name);
  writeFileSync(path, text);
  return path;
}

describe('policy check', () => {
  it('prints a summary of a valid file', async () => {
    const result = await policy(['check', example]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`5 rule(s) from ${example}, 1 fallback`);
    expect(result.out).not.toContain('warning:');
    expect(result.out).toContain(
      'alice-linear-read: providers linear; level read; requester listed → approves at once',
    );
  });

  it('prints warnings for valid rules that are probably mistakes, and still exits 0', async () => {
    const file = tempFile(
      'warn.yml',
      'version: 1\nrules:\n  - id: a\n    approvals: 2\n    approvers:\n      slackUsers: [U0BOB]\n',
    );
    const result = await policy(['check', file]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('warning: a: asks for 2 approvals but names at most 1 approver(s)');
  });

  it('exits 1 with every error as file:line: what', async () => {
    const file = tempFile(
      'bad.yml',
      'version: 1\nrules:\n  - id: a\n    match:\n      levle: read\n    approvals: 0\n',
    );
    const result = await policy(['check', file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      `${file}:5: rules[0].match: unknown key "levle"`,
      `${file}:6: rules[0].approvals: Too small: expected number to be >=1`,
      `policy: 2 error(s) in ${file}`,
      '',
    ]);
  });

  it('checks POLICY_FILE when no file is given, and a missing file is an error', async () => {
    expect((await policy(['check'], { POLICY_FILE: example })).code).toBe(0);
    const missing = await policy(['check'], { POLICY_FILE: '/nonexistent/policy.yml' });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('/nonexistent/policy.yml:0: no such file');
  });

  it('with neither, summarizes the settings as the default policy', async () => {
    const result = await policy(['check'], { SELF_APPROVE: 'read', APPROVERS: 'U0BOB' });
    expect(result.code).toBe(0);
    expect(result.out).toContain('1 rule(s) from the environment settings (no POLICY_FILE), 1 fallback');
    expect(result.out).toContain(
      'settings (fallback): every request → 1 approval(s), self-approve up to read',
    );
  });
});

describe('policy explain', () => {
  it('prints the governing rules, the outcome per provider and why every other rule did not apply', async () => {
    const result = await policy([
      ...['explain', '--file', example, '--requester', 'alice@example.com'],
      ...['--provider', 'linear,snowflake', '--level', 'write', '--at', '2026-12-02T12:00:00Z'],
    ]);
    expect(result).toMatchObject({ code: 0, err: '' });
    const lines = result.out.split('\n');
    expect(lines).toContain(
      'request: alice@example.com asks write on linear, snowflake at 2026-12-02T12:00:00.000Z',
    );
    expect(lines).toContain('matching rules: snowflake-write-data-team, everything-else');
    expect(lines).toContain('decision: needs-approval');
    expect(lines).toContain(
      '  snowflake: needs 2 approval(s) from group S0DATATEAM, user U0CAROL01, dana@example.com, posted to C0DATAAPPR [rules: snowflake-write-data-team]',
    );
    expect(lines).toContain('  alice-linear-read: matches level read, the request asks write');
    expect(lines).toContain('  deploys-office-hours: matches kind call, the request is kind session');
    expect(lines).toContain('  contractors: the requester alice@example.com is not among its requesters');
  });

  it('explains a one-call request against hours in a time zone', async () => {
    const args = [
      ...['explain', '--file', example, '--requester', 'bob@example.com', '--provider', 'deploy'],
      ...[
        '--level',
        'write',
        '--kind',
        'call',
        '--method',
        'POST',
        '--url',
        'https://api.example.com/deploys/7',
      ],
      '--client',
      'claude-code',
    ];
    const saturday = await policy([...args, '--at', '2026-12-05T10:00:00Z']);
    expect(saturday.out).toContain('decision: deny (by rule deploys-office-hours)');
    expect(saturday.out).toContain('(outside the hours of deploys-office-hours)');
    const monday = await policy([...args, '--at', '2026-12-07T10:00:00Z']);
    expect(monday.out).toContain('decision: needs-approval');
    expect(monday.out).toContain('matching rules: deploys-office-hours');
  });

  it('refuses bad arguments with the usage (exit 2)', async () => {
    const result = await policy([
      'explain',
      '--requester',
      'a@b.c',
      '--level',
      'admin',
      '--provider',
      'linear',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--level must be read or write');
    expect(result.err).toContain('Usage:');
    expect((await policy(['frobnicate'])).code).toBe(2);
  });
});

describe('the server with POLICY_FILE', () => {
  it('refuses to start with the file, the line and what is wrong', async () => {
    const file = tempFile('policy.yml', 'version: 1\nrules:\n  - id: a\n    fallbak: true\n');
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts'],
        {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', POLICY_FILE: file },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (error.code as number) : 0, text: stdout + stderr }),
      );
    });
    expect(output.code).toBe(1);
    expect(output.text).toContain('countersign: invalid configuration');
    expect(output.text).toContain(`POLICY_FILE: ${file}:4: rules[0]: unknown key "fallbak"`);
  });
});
