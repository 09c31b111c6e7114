import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, sandboxSettings, wantsSandbox } from '../../src/config.js';
import { formatDuration, parseDuration } from '../../src/lib/duration.js';

const production = {
  WORKOS_API_KEY: 'sk_test_123',
  WORKOS_CLIENT_ID: 'client_123',
  AUTHKIT_DOMAIN: 'acme.authkit.app',
  APPROVAL_TOKEN_SECRET: 'a'.repeat(32),
  COOKIE_SECRET: 'b'.repeat(32),
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(production);
    expect(config.port).toBe(5711);
    expect(config.host).toBe('127.0.0.1');
    expect(config.sandbox).toBe(false);
    expect(config.durations).toMatchObject({
      decisionWindowMs: 5 * 60_000,
      defaultAccessMs: 5 * 60_000,
      maxAccessMs: 60 * 60_000,
      retentionMs: 24 * 3_600_000,
    });
    expect(config.auth.issuer).toBe('https://acme.authkit.app');
    expect(config.auth.jwksUrl).toBe('https://acme.authkit.app/oauth2/jwks');
    expect(config.publicUrl).toBe('http://127.0.0.1:5711');
    expect(config.workos.redirectUri).toBe('http://127.0.0.1:5711/auth/callback');
  });

  it('reports every bad variable at once, one line each', () => {
    const attempt = () =>
      loadConfig({
        ...production,
        PORT: 'eighty',
        DECISION_WINDOW: 'soon',
        SELF_APPROVE: 'maybe',
        COOKIE_SECRET: 'short',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/PORT/);
      expect(problems.join('\n')).toMatch(/DECISION_WINDOW: expected a duration/);
      expect(problems.join('\n')).toMatch(/SELF_APPROVE/);
      expect(problems.join('\n')).toMatch(/COOKIE_SECRET: must be at least 32 characters/);
    }
  });

  it('bounds waits on Redis, requests in flight and shutdown, with defaults', () => {
    expect(loadConfig(production).limits).toEqual({
      redisCommandTimeoutMs: 2000,
      maxInflightRequests: 256,
      maxActiveRequests: 4,
      maxQueueWaitMs: 5000,
      maxLongPollsPerUser: 4,
      shutdownGraceMs: 10_000,
    });
    const set = loadConfig({
      ...production,
      REDIS_COMMAND_TIMEOUT: '500ms',
      MAX_INFLIGHT_REQUESTS: '8',
      MAX_ACTIVE_REQUESTS: '3',
      MAX_QUEUE_WAIT: '250ms',
      MAX_LONG_POLLS_PER_USER: '2',
      SHUTDOWN_GRACE: '1m',
    });
    expect(set.limits).toEqual({
      redisCommandTimeoutMs: 500,
      maxInflightRequests: 8,
      maxActiveRequests: 3,
      maxQueueWaitMs: 250,
      maxLongPollsPerUser: 2,
      shutdownGraceMs: 60_000,
    });
    expect(() => loadConfig({ ...production, MAX_LONG_POLLS_PER_USER: '0' })).toThrow(
      /MAX_LONG_POLLS_PER_USER/,
    );
    expect(() => loadConfig({ ...production, MAX_INFLIGHT_REQUESTS: '0' })).toThrow(/MAX_INFLIGHT_REQUESTS/);
    expect(() => loadConfig({ ...production, REDIS_COMMAND_TIMEOUT: 'fast' })).toThrow(
      /REDIS_COMMAND_TIMEOUT/,
    );
  });

  it('requires WorkOS settings outside sandbox mode', () => {
    expect(() => loadConfig({ WORKOS_API_KEY: 'sk_test_123' })).toThrow(/WORKOS_CLIENT_ID: required/);
  });

  it('refuses a default duration above the maximum', () => {
    expect(() => loadConfig({ ...production, DEFAULT_ACCESS_DURATION: '2h' })).toThrow(
      /DEFAULT_ACCESS_DURATION/,
    );
  });

  it('only accepts a real Snowflake account host', () => {
    expect(() => loadConfig({ ...production, SNOWFLAKE_ACCOUNT_URL: 'https://evil.example.com' })).toThrow(
      /SNOWFLAKE_ACCOUNT_URL/,
    );
    expect(
      loadConfig({ ...production, SNOWFLAKE_ACCOUNT_URL: 'https://acme-x1.snowflakecomputing.com' })
        .providers,
    ).toMatchObject({ snowflakeUrl: 'https://acme-x1.snowflakecomputing.com' });
  });

  it('reads Slack settings, splitting approver users from user groups', () => {
    const config = loadConfig({
      ...production,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      APPROVERS: 'U012ABC, S0GROUP1,W0ENT1',
      APPROVALS_CHANNEL: 'C0APPROVE',
    });
    expect(config.slack).toMatchObject({
      approverUsers: ['U012ABC', 'W0ENT1'],
      approverGroups: ['S0GROUP1'],
      approvalsChannel: 'C0APPROVE',
      apiUrl: 'https://slack.com/api/',
      appToken: undefined,
    });
    expect(loadConfig(production).slack).toBeNull();
  });

  it('refuses incomplete or malformed Slack settings', () => {
    expect(() => loadConfig({ ...production, SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      /SLACK_SIGNING_SECRET: required in HTTP mode/,
    );
    expect(() => loadConfig({ ...production, SLACK_BOT_TOKEN: 'token', SLACK_APP_TOKEN: 'xapp-1' })).toThrow(
      /xoxb-/,
    );
    expect(() => loadConfig({ ...production, SLACK_APP_TOKEN: 'xapp-1' })).toThrow(
      /SLACK_BOT_TOKEN: required/,
    );
    expect(() =>
      loadConfig({
        ...production,
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        APPROVERS: 'alice@x.com',
        AUDIT_CHANNEL: '#audit',
      }),
    ).toThrow(/APPROVERS[\s\S]*AUDIT_CHANNEL|AUDIT_CHANNEL[\s\S]*APPROVERS/);
  });

  it('picks sandbox mode when no WorkOS key is set', () => {
    expect(wantsSandbox({})).toBe(true);
    expect(wantsSandbox({ WORKOS_API_KEY: 'sk' })).toBe(false);
    expect(wantsSandbox({ WORKOS_API_KEY: 'sk', SANDBOX: 'true' })).toBe(true);
  });

  it('requires a token audience in production, and only there', () => {
    expect(() => loadConfig({ ...production, NODE_ENV: 'production' })).toThrow(/AUTH_AUDIENCE: required/);
    expect(
      loadConfig({ ...production, NODE_ENV: 'production', AUTH_AUDIENCE: 'https://cs.example.com/mcp' }).auth
        .audience,
    ).toBe('https://cs.example.com/mcp');
    expect(loadConfig(production).auth.audience).toBeUndefined();
  });

  it('never runs the sandbox in production: no credentials is a refusal to start, not a sandbox', () => {
    expect(wantsSandbox({ NODE_ENV: 'production' })).toBe(false);
    expect(wantsSandbox({ NODE_ENV: 'production', SANDBOX: 'true' })).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/WORKOS_API_KEY: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', SANDBOX: 'true' })).toThrow(
      /SANDBOX: the sandbox never runs with NODE_ENV=production/,
    );
  });
});

describe('sandbox settings', () => {
  it('keeps its data in .countersign and its sign-in server on PORT + 1, both settable', () => {
    expect(sandboxSettings({})).toEqual({ dataDir: '.countersign', authPort: 5712 });
    expect(sandboxSettings({ PORT: '8000', SANDBOX_DATA_DIR: '' })).toEqual({
      dataDir: '.countersign',
      authPort: 8001,
    });
    expect(sandboxSettings({ PORT: '0' }).authPort).toBe(0);
    expect(sandboxSettings({ SANDBOX_AUTH_PORT: '6000', SANDBOX_DATA_DIR: '/tmp/cs' })).toEqual({
      dataDir: '/tmp/cs',
      authPort: 6000,
    });
  });

  it('binds sandbox tokens to our MCP URL unless AUTH_AUDIENCE says otherwise', () => {
    // What start-sandbox.ts hands to loadConfig.
    const sandbox = {
      SANDBOX: 'true',
      WORKOS_API_KEY: 'sk_sandbox_1',
      WORKOS_CLIENT_ID: 'client_sandbox',
      AUTH_ISSUER: 'http://127.0.0.1:5712',
      AUTH_JWKS_URL: 'http://127.0.0.1:5712/oauth2/jwks',
      APPROVAL_TOKEN_SECRET: 'a'.repeat(32),
      COOKIE_SECRET: 'b'.repeat(32),
    };
    expect(loadConfig(sandbox).auth.audience).toBe('http://127.0.0.1:5711/mcp');
    expect(loadConfig({ ...sandbox, PUBLIC_URL: 'http://localhost:9000' }).auth.audience).toBe(
      'http://localhost:9000/mcp',
    );
    expect(loadConfig({ ...sandbox, AUTH_AUDIENCE: 'other' }).auth.audience).toBe('other');
  });

  it('names a bad port, and PORT 65535 leaves no room for PORT + 1', () => {
    expect(() => sandboxSettings({ SANDBOX_AUTH_PORT: 'abc' })).toThrow(
      /SANDBOX_AUTH_PORT: "abc" is not a port/,
    );
    expect(() => sandboxSettings({ PORT: '65535' })).toThrow(/SANDBOX_AUTH_PORT/);
  });
});

describe('durations', () => {
  it('parses units and bare milliseconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatDuration(300_000)).toBe('5 minutes');
    expect(formatDuration(90_000)).toBe('1 minute 30 seconds');
    expect(formatDuration(3_600_000)).toBe('1 hour');
  });
});

describe('.env.example', () => {
  it('lists every variable the server reads, and nothing it does not read', async () => {
    const { readFileSync } = await import('node:fs');
    const { envSchema } = await import('../../src/config/env-schema.js');
    const lines = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').split('\n');
    const documented = new Set(
      lines.flatMap((line) => {
        const name = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
        return name ? [name] : [];
      }),
    );
    const read = Object.keys(envSchema.shape).filter((name) => !['NODE_ENV'].includes(name));
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !read.includes(name) && name !== 'NODE_ENV')).toEqual([]);
  });
});
