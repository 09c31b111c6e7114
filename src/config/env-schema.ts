// The environment variables Countersign reads, as one zod schema, and how any part of it is validated.
import { z } from 'zod';
import { positiveDuration } from '../lib/duration.js';

const duration = (fallback: string) => positiveDuration('"90s", "5m" or "24h"').prefault(fallback);

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

/** Environment variables as given (process.env, or a test's own); a blank value means "not set". */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates `env` (blank values dropped) against `schema`; throws ConfigError listing every problem at once. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  return parsed.data;
}

/** What the environment holds once validated. */
export type ParsedEnv = z.infer<typeof envSchema>;
