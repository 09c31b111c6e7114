// Every environment variable Countersign reads, validated once at start. Only this module and src/config/ read
// process.env.
// The schema is src/config/env-schema.ts, the result's type src/config/types.ts.

import { ConfigError, type Env, envSchema, type ParsedEnv, parseEnv } from './config/env-schema.js';
import { redisSettings } from './config/partial.js';
import { slackConfig } from './config/slack.js';
import type { Config, SlackConfig } from './config/types.js';
import type { CompiledPolicy } from './grants/rules/compile.js';
import { policyFromSettings } from './grants/rules/from-settings.js';
import { formatPolicyError } from './grants/rules/load.js';
import { readPolicyFile } from './lib/policy-file.js';

export { ConfigError } from './config/env-schema.js';
export { policySettings, redisConfig, type SandboxSettings, sandboxSettings } from './config/partial.js';
export type { Config, Level, SlackConfig } from './config/types.js';

/** True when no WorkOS credentials are given (or SANDBOX=true): run against local stand-ins. */
export function wantsSandbox(env: Env): boolean {
  // Production never gets stand-ins: without credentials loadConfig then refuses to start, saying what is missing.
  if (env.NODE_ENV === 'production') return false;
  if (env.SANDBOX === 'true') return true;
  if (env.SANDBOX === 'false') return false;
  return !env.WORKOS_API_KEY?.trim();
}

/** Reads and validates the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): Config {
  const e = parseEnv(envSchema, env);
  const problems: string[] = [];
  const sandbox =
    e.NODE_ENV !== 'production' && (e.SANDBOX === 'true' || (e.SANDBOX === 'auto' && !e.WORKOS_API_KEY));
  if (e.NODE_ENV === 'production' && e.SANDBOX === 'true') {
    problems.push('SANDBOX: the sandbox never runs with NODE_ENV=production (its stand-ins hand out tokens)');
  }
  const need = <T>(value: T | undefined, name: string, why: string): T => {
    if (value === undefined) problems.push(`${name}: required ${why}`);
    return value as T;
  };

  const publicUrl = (e.PUBLIC_URL ?? `http://${hostForUrl(e.HOST)}:${e.PORT}`).replace(/\/+$/, '');
  const publicHost = new URL(publicUrl).hostname;
  const allowedHosts =
    e.ALLOWED_HOSTS.length > 0 ? e.ALLOWED_HOSTS : [publicHost, 'localhost', '127.0.0.1', '[::1]'];

  const issuer = e.AUTH_ISSUER ?? (e.AUTHKIT_DOMAIN ? `https://${e.AUTHKIT_DOMAIN}` : undefined);
  const jwksUrl = e.AUTH_JWKS_URL ?? (issuer && e.AUTHKIT_DOMAIN ? `${issuer}/oauth2/jwks` : undefined);
  const why = 'when WorkOS credentials are set (or set SANDBOX=true to use local stand-ins)';

  if (!sandbox && e.UPSTREAM_ALLOW_LOOPBACK_HTTP && e.NODE_ENV === 'production') {
    problems.push('UPSTREAM_ALLOW_LOOPBACK_HTTP: must not be true in production');
  }
  if (e.DEFAULT_ACCESS_DURATION > e.MAX_ACCESS_DURATION) {
    problems.push('DEFAULT_ACCESS_DURATION: must not exceed MAX_ACCESS_DURATION');
  }
  if (e.GRANT_RETENTION < e.MAX_ACCESS_DURATION) {
    problems.push('GRANT_RETENTION: must be at least MAX_ACCESS_DURATION');
  }
  if (
    e.SNOWFLAKE_ACCOUNT_URL &&
    !isSnowflakeAccountUrl(e.SNOWFLAKE_ACCOUNT_URL, e.UPSTREAM_ALLOW_LOOPBACK_HTTP)
  ) {
    problems.push('SNOWFLAKE_ACCOUNT_URL: expected https://<account>.snowflakecomputing.com');
  }

  const slack = e.SLACK_BOT_TOKEN ? slackConfig(e, problems) : null;
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET)) {
    problems.push('SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set');
  }

  const config: Config = {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    allowedHosts,
    redis: redisSettings(e, problems),
    sandbox,
    workos: {
      apiKey: need(e.WORKOS_API_KEY, 'WORKOS_API_KEY', 'outside sandbox mode'),
      clientId: need(e.WORKOS_CLIENT_ID, 'WORKOS_CLIENT_ID', why),
      apiUrl: e.WORKOS_API_URL.replace(/\/+$/, ''),
      redirectUri: e.WORKOS_REDIRECT_URI ?? `${publicUrl}/auth/callback`,
    },
    auth: {
      issuer: need(issuer, 'AUTHKIT_DOMAIN or AUTH_ISSUER', why),
      jwksUrl: need(jwksUrl, 'AUTH_JWKS_URL (or AUTHKIT_DOMAIN)', why),
      // Without an audience a token AuthKit minted for another app of the same environment would be accepted.
      audience:
        e.NODE_ENV === 'production' && !sandbox
          ? need(
              e.AUTH_AUDIENCE,
              'AUTH_AUDIENCE',
              'with NODE_ENV=production (the Resource Indicator set in WorkOS, usually PUBLIC_URL/mcp)',
            )
          : // The sandbox checks it as production does: its tokens, OAuth or pasted, are bound to our MCP URL.
            (e.AUTH_AUDIENCE ?? (sandbox ? `${publicUrl}/mcp` : undefined)),
      authorizationServer: issuer ?? '',
    },
    secrets: {
      approvalToken: need(e.APPROVAL_TOKEN_SECRET, 'APPROVAL_TOKEN_SECRET', why),
      cookie: need(e.COOKIE_SECRET, 'COOKIE_SECRET', why),
    },
    durations: {
      decisionWindowMs: e.DECISION_WINDOW,
      defaultAccessMs: e.DEFAULT_ACCESS_DURATION,
      maxAccessMs: e.MAX_ACCESS_DURATION,
      retentionMs: e.GRANT_RETENTION,
      auditRetentionMs: e.AUDIT_RETENTION,
      auditMaxEntries: e.AUDIT_MAX_ENTRIES,
      sessionTtlMs: e.SESSION_TTL,
      userCacheMs: e.USER_CACHE_TTL,
    },
    policy: {
      selfApprove: e.SELF_APPROVE,
      approverEmails: e.APPROVER_EMAILS.map((email) => email.toLowerCase()),
      requestsPerMinute: e.REQUESTS_PER_MINUTE,
      file: e.POLICY_FILE,
      rules: approvalRules(e, slack, problems),
    },
    role: e.ROLE,
    jobs: {
      reminderAt: e.REMINDER_AT === 0 ? null : e.REMINDER_AT / 100,
      usageRefreshMs: e.USAGE_REFRESH,
    },
    slack,
    providers: {
      linearUrl: e.LINEAR_API_URL.replace(/\/+$/, ''),
      notionUrl: e.NOTION_API_URL.replace(/\/+$/, ''),
      notionVersion: e.NOTION_VERSION,
      snowflakeUrl: e.SNOWFLAKE_ACCOUNT_URL?.replace(/\/+$/, ''),
    },
    upstream: {
      timeoutMs: e.UPSTREAM_TIMEOUT,
      maxResponseBytes: e.UPSTREAM_MAX_RESPONSE_BYTES,
      allowLoopbackHttp: e.UPSTREAM_ALLOW_LOOPBACK_HTTP,
    },
    limits: {
      redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT,
      maxInflightRequests: e.MAX_INFLIGHT_REQUESTS,
      maxActiveRequests: e.MAX_ACTIVE_REQUESTS,
      maxQueueWaitMs: e.MAX_QUEUE_WAIT,
      maxLongPollsPerUser: e.MAX_LONG_POLLS_PER_USER,
      shutdownGraceMs: e.SHUTDOWN_GRACE,
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** POLICY_FILE read and validated now, so a bad file stops the start with its errors (file:line: what). */
function approvalRules(
  e: ParsedEnv,
  slack: SlackConfig | null,
  problems: string[],
): CompiledPolicy | undefined {
  if (!e.POLICY_FILE) {
    return policyFromSettings({
      selfApprove: e.SELF_APPROVE,
      approverEmails: e.APPROVER_EMAILS,
      approverUsers: slack?.approverUsers ?? [],
      approverGroups: slack?.approverGroups ?? [],
      approvalsChannel: slack?.approvalsChannel,
      requestsPerMinute: e.REQUESTS_PER_MINUTE,
    });
  }
  const load = readPolicyFile(e.POLICY_FILE);
  if (load.ok) return load.policy;
  for (const error of load.errors) problems.push(`POLICY_FILE: ${formatPolicyError(error)}`);
  return undefined;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function isSnowflakeAccountUrl(text: string, allowLoopback: boolean): boolean {
  const u = new URL(text);
  if (allowLoopback && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return true;
  return u.protocol === 'https:' && /^[a-z0-9-]+(\.[a-z0-9-]+)*\.snowflakecomputing\.com$/i.test(u.hostname);
}
