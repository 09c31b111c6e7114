// Settings read on their own, before or without the whole configuration: Redis for `npm run audit`, the
// sandbox's data directory and sign-in port, and the policy settings for `npm run policy`.
import type { PolicySettings } from '../grants/rules/from-settings.js';
import { parseClusterNodes, parseNatMap, type RedisSettings } from '../redis/settings.js';
import { ConfigError, type Env, envSchema, type ParsedEnv, parseEnv } from './env-schema.js';
import type { Config } from './types.js';

/** Only what `npm run audit` needs (the REDIS_* settings), so it runs without the server's settings. */
export function redisConfig(env: Env = process.env): Config['redis'] {
  const redisVariables = {
    REDIS_URL: true,
    REDIS_PREFIX: true,
    REDIS_CLUSTER_NODES: true,
    REDIS_CLUSTER_NAT_MAP: true,
  } as const;
  const problems: string[] = [];
  const settings = redisSettings(parseEnv(envSchema.pick(redisVariables), env), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** REDIS_CLUSTER_NODES selects cluster mode (REDIS_URL is then unused); REDIS_URL alone keeps one node. */
export function redisSettings(
  e: Pick<ParsedEnv, 'REDIS_URL' | 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES' | 'REDIS_CLUSTER_NAT_MAP'>,
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
  const { PORT, SANDBOX_DATA_DIR, SANDBOX_AUTH_PORT } = parseEnv(
    envSchema.pick({ PORT: true, SANDBOX_DATA_DIR: true, SANDBOX_AUTH_PORT: true }),
    env,
  );
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
  const e = parseEnv(
    envSchema.pick({
      POLICY_FILE: true,
      SELF_APPROVE: true,
      APPROVER_EMAILS: true,
      APPROVERS: true,
      APPROVALS_CHANNEL: true,
      REQUESTS_PER_MINUTE: true,
    }),
    env,
  );
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
