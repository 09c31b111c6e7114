// Every environment variable Countersign reads, validated once at start. The only module that reads process.env.
import { z } from 'zod';
import type { CompiledPolicy } from './grants/rules/compile.js';
import { type PolicySettings, policyFromSettings } from './grants/rules/from-settings.js';
import { formatPolicyError } from './grants/rules/load.js';
import { parseDuration } from './lib/duration.js';
import { readPolicyFile } from './lib/policy-file.js';
import { parseClusterNodes, parseNatMap, type RedisSettings } from './redis/settings.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as "90s", "5m" or "24h", got "${text}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

const byteSize = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const secret = z.string().min(32, 'must be at least 32 characters (try: openssl rand -base64 32)');
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z
    .string()
    .default('5711')
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65_535, {
      error: (issue) => `"${String(issue.input)}" is not a port number (0-65535)`,
    })
    .transform(Number),
  PUBLIC_URL: url.optional(),
  ALLOWED_HOSTS: list,

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: optionalText,
  REDIS_CLUSTER_NAT_MAP: optionalText,
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only')
    .default('cs:'),
  REDIS_COMMAND_TIMEOUT: duration('2s'),
  MAX_INFLIGHT_REQUESTS: z.coerce.number().int().positive().default(256),
  MAX_ACTIVE_REQUESTS: z.coerce.number().int().positive().default(4),
  MAX_QUEUE_WAIT: duration('5s'),
  MAX_LONG_POLLS_PER_USER: z.coerce.number().int().positive().default(4),
  SHUTDOWN_GRACE: duration('10s'),

  SANDBOX: z.enum(['auto', 'true', 'false']).default('auto'),
  SANDBOX_DATA_DIR: z.string().min(1).default('.countersign'),
  SANDBOX_AUTH_PORT: z
    .string()
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65_535, {
      error: (issue) => `"${String(issue.input)}" is not a port number (0-65535)`,
    })
    .transform(Number)
    .optional(),
  WORKOS_API_KEY: optionalText,
  WORKOS_CLIENT_ID: optionalText,
  WORKOS_API_URL: url.default('https://api.workos.com'),
  AUTHKIT_DOMAIN: optionalText,
  AUTH_ISSUER: url.optional(),
  AUTH_JWKS_URL: url.optional(),
  AUTH_AUDIENCE: optionalText,
  WORKOS_REDIRECT_URI: url.optional(),
  APPROVAL_TOKEN_SECRET: secret.optional(),
  COOKIE_SECRET: secret.optional(),

  DECISION_WINDOW: duration('5m'),
  DEFAULT_ACCESS_DURATION: duration('5m'),
  MAX_ACCESS_DURATION: duration('60m'),
  GRANT_RETENTION: duration('24h'),
  AUDIT_RETENTION: duration('30d'),
  AUDIT_MAX_ENTRIES: z.coerce.number().int().min(1000).default(5_000_000),
  SESSION_TTL: duration('7d'),
  USER_CACHE_TTL: duration('5m'),

  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  REMINDER_AT: z.coerce
    .number()
    .int()
    .min(0)
    .max(99, 'a share of the decision window in percent, 1-99 (0 = no reminder)')
    .default(50),
  REMIND_IN_DM: bool(false),
  USAGE_REFRESH: duration('5s'),

  SELF_APPROVE: z.enum(['write', 'read', 'none']).default('write'),
  APPROVER_EMAILS: list,
  REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(20),
  POLICY_FILE: optionalText,

  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: url.default('https://slack.com/api/'),
  SLACK_TEAM_ID: optionalText,
  SLACK_BOT_ID: optionalText,
  SLACK_BOT_USER_ID: optionalText,
  APPROVERS: list,
  ADMINS: list,
  APPROVALS_CHANNEL: optionalText,
  AUDIT_CHANNEL: optionalText,

  LINEAR_API_URL: url.default('https://api.linear.app'),
  NOTION_API_URL: url.default('https://api.notion.com'),
  NOTION_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2025-09-03')
    .default('2025-09-03'),
  SNOWFLAKE_ACCOUNT_URL: url.optional(),

  UPSTREAM_TIMEOUT: duration('30s'),
  UPSTREAM_MAX_RESPONSE_BYTES: byteSize(1024 * 1024),
  UPSTREAM_ALLOW_LOOPBACK_HTTP: bool(false),
});

export type Level = 'read' | 'write';

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  port: number;
  /** Base URL people and clients reach us at, without trailing slash. */
  publicUrl: string;
  allowedHosts: string[];
  /** Single node at `url`, or a Redis Cluster when `cluster` is set (REDIS_CLUSTER_NODES). */
  redis: RedisSettings;
  sandbox: boolean;
  workos: { apiKey: string; clientId: string; apiUrl: string; redirectUri: string };
  auth: { issuer: string; jwksUrl: string; audience: string | undefined; authorizationServer: string };
  secrets: { approvalToken: string; cookie: string };
  durations: {
    decisionWindowMs: number;
    defaultAccessMs: number;
    maxAccessMs: number;
    retentionMs: number;
    /** Audit stream entries older than this are trimmed (loadConfig always sets it; AuditLog defaults to 30d). */
    auditRetentionMs?: number;
    /** Size guard on the audit stream (AUDIT_MAX_ENTRIES; loadConfig always sets it; AuditLog defaults to 5M). */
    auditMaxEntries?: number;
    sessionTtlMs: number;
    userCacheMs: number;
  };
  policy: {
    selfApprove: Level | 'none';
    approverEmails: string[];
    requestsPerMinute: number;
    /** POLICY_FILE, when set. */
    file?: string;
    /**
     * The approval rules in force: POLICY_FILE's (validated at start, replaced on reload by
     * src/lib/policy-reload.ts), else the settings above as one fallback rule. Read through policyInForce.
     */
    rules?: CompiledPolicy;
  };
  /** `web` serves HTTP and relays events; `worker` runs the jobs; `all` (default) does both. */
  role: 'all' | 'web' | 'worker';
  jobs: {
    /** Share of the decision window (0-1) after which approvers are reminded once; null for never. */
    reminderAt: number | null;
    /** An approved message shows its usage, re-rendered at most this often. */
    usageRefreshMs: number;
  };
  /** Null when no Slack bot token is set: consent then happens on the web page only. */
  slack: SlackConfig | null;
  providers: {
    linearUrl: string;
    notionUrl: string;
    notionVersion: string;
    snowflakeUrl: string | undefined;
  };
  upstream: { timeoutMs: number; maxResponseBytes: number; allowLoopbackHttp: boolean };
  /** Fail fast and bounded: a slow Redis or a flood turns into 503s, never into hung or piled-up requests. */
  limits: {
    /** Longest a request waits for one Redis answer before it answers `unavailable` (default 2 s). */
    redisCommandTimeoutMs: number;
    /** MCP requests in flight on this instance, long polls included; more get 503 (default 256). */
    maxInflightRequests: number;
    /**
     * MCP requests worked on at once (default 4); more wait their turn in arrival order. Time spent waiting on a
     * provider, WorkOS or a person does not count; back from such a wait a request goes ahead of the line.
     */
    maxActiveRequests: number;
    /** Longest a request waits for its turn before it answers 503 (default 5 s). */
    maxQueueWaitMs: number;
    /** check_access_request calls with waitSeconds one person holds open on this instance (default 4). */
    maxLongPollsPerUser: number;
    /** Upper bound on a graceful shutdown; it ends as soon as the work is done (default 10 s). */
    shutdownGraceMs: number;
  };
}

export interface SlackConfig {
  botToken: string;
  /** HTTP mode verifies request signatures with it; unused in Socket Mode. */
  signingSecret: string | undefined;
  /** Set = Socket Mode (no public URL needed). */
  appToken: string | undefined;
  apiUrl: string;
  /** Clicks from any other workspace are refused. Learned from auth.test when not set. */
  teamId: string | undefined;
  botId: string | undefined;
  botUserId: string | undefined;
  /** Slack user ids (U…/W…) and user-group ids (S…) allowed to approve anyone's request. */
  approverUsers: string[];
  approverGroups: string[];
  /** Slack user ids and user-group ids who see and may revoke every grant, and read the audit. */
  adminUsers: string[];
  adminGroups: string[];
  approvalsChannel: string | undefined;
  auditChannel: string | undefined;
  /** Remind in self-approval DMs too (the requester already knows, so off by default). */
  remindInDm: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

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
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
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

/** Only what `npm run audit` needs (the REDIS_* settings), so it runs without the server's settings. */
export function redisConfig(env: Env = process.env): Config['redis'] {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema
    .pick({ REDIS_URL: true, REDIS_PREFIX: true, REDIS_CLUSTER_NODES: true, REDIS_CLUSTER_NAT_MAP: true })
    .safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const problems: string[] = [];
  const settings = redisSettings(parsed.data, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** REDIS_CLUSTER_NODES selects cluster mode (REDIS_URL is then unused); REDIS_URL alone keeps one node. */
function redisSettings(
  e: Pick<
    z.infer<typeof envSchema>,
    'REDIS_URL' | 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES' | 'REDIS_CLUSTER_NAT_MAP'
  >,
  problems: string[],
): RedisSettings {
  if (!e.REDIS_CLUSTER_NODES) {
    if (e.REDIS_CLUSTER_NAT_MAP) problems.push('REDIS_CLUSTER_NAT_MAP: only used with REDIS_CLUSTER_NODES');
    return { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, cluster: null };
  }
  const nodes = parseClusterNodes(e.REDIS_CLUSTER_NODES);
  const natMap = parseNatMap(e.REDIS_CLUSTER_NAT_MAP ?? '');
  problems.push(
    ...nodes.problems.map((p) => `REDIS_CLUSTER_NODES: ${p}`),
    ...natMap.problems.map((p) => `REDIS_CLUSTER_NAT_MAP: ${p}`),
  );
  return { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, cluster: { ...nodes.value, natMap: natMap.value } };
}

/** What the sandbox needs before the rest is known: where it keeps its keys, and its sign-in server's port. */
export interface SandboxSettings {
  /** Keys, secrets and client registrations survive a restart here (default `.countersign`, git-ignored). */
  dataDir: string;
  /**
   * Port of the AuthKit stand-in. Fixed across restarts, since it is the tokens' issuer: default PORT + 1
   * (5712), or any free port when PORT is 0.
   */
  authPort: number;
}

export function sandboxSettings(env: Env = process.env): SandboxSettings {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema
    .pick({ PORT: true, SANDBOX_DATA_DIR: true, SANDBOX_AUTH_PORT: true })
    .safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const { PORT, SANDBOX_DATA_DIR, SANDBOX_AUTH_PORT } = parsed.data;
  const authPort = SANDBOX_AUTH_PORT ?? (PORT === 0 ? 0 : PORT + 1);
  if (authPort > 65_535)
    throw new ConfigError([`SANDBOX_AUTH_PORT: PORT + 1 (${authPort}) is no port; set it`]);
  return { dataDir: SANDBOX_DATA_DIR, authPort };
}

/** Only what `npm run policy` needs: POLICY_FILE and the settings that form the default policy. */
export function policySettings(env: Env = process.env): {
  file: string | undefined;
  settings: PolicySettings;
} {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema
    .pick({
      POLICY_FILE: true,
      SELF_APPROVE: true,
      APPROVER_EMAILS: true,
      APPROVERS: true,
      APPROVALS_CHANNEL: true,
      REQUESTS_PER_MINUTE: true,
    })
    .safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    file: e.POLICY_FILE,
    settings: {
      selfApprove: e.SELF_APPROVE,
      approverEmails: e.APPROVER_EMAILS,
      approverUsers: e.APPROVERS.filter((id) => !id.startsWith('S')),
      approverGroups: e.APPROVERS.filter((id) => id.startsWith('S')),
      approvalsChannel: e.APPROVALS_CHANNEL,
      requestsPerMinute: e.REQUESTS_PER_MINUTE,
    },
  };
}

/** POLICY_FILE read and validated now, so a bad file stops the start with its errors (file:line: what). */
function approvalRules(
  e: z.infer<typeof envSchema>,
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

function slackConfig(e: z.infer<typeof envSchema>, problems: string[]): SlackConfig {
  if (!e.SLACK_BOT_TOKEN?.startsWith('xoxb-'))
    problems.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp-');
  }
  if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  for (const [name, ids] of [
    ['APPROVERS', e.APPROVERS],
    ['ADMINS', e.ADMINS],
  ] as const) {
    const badIds = ids.filter((id) => !/^[UWS][A-Z0-9]{2,}$/.test(id));
    if (badIds.length > 0) problems.push(`${name}: not Slack user or user-group ids: ${badIds.join(', ')}`);
  }
  for (const [name, value] of [
    ['APPROVALS_CHANNEL', e.APPROVALS_CHANNEL],
    ['AUDIT_CHANNEL', e.AUDIT_CHANNEL],
  ] as const) {
    if (value && !/^[CGD][A-Z0-9]{2,}$/.test(value))
      problems.push(`${name}: expected a channel id such as C0123ABCD`);
  }
  return {
    botToken: e.SLACK_BOT_TOKEN ?? '',
    signingSecret: e.SLACK_SIGNING_SECRET,
    appToken: e.SLACK_APP_TOKEN,
    apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    teamId: e.SLACK_TEAM_ID,
    botId: e.SLACK_BOT_ID,
    botUserId: e.SLACK_BOT_USER_ID,
    approverUsers: e.APPROVERS.filter((id) => !id.startsWith('S')),
    approverGroups: e.APPROVERS.filter((id) => id.startsWith('S')),
    adminUsers: e.ADMINS.filter((id) => !id.startsWith('S')),
    adminGroups: e.ADMINS.filter((id) => id.startsWith('S')),
    approvalsChannel: e.APPROVALS_CHANNEL,
    auditChannel: e.AUDIT_CHANNEL,
    remindInDm: e.REMIND_IN_DM,
  };
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
