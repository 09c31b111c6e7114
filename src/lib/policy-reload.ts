// Live policy: POLICY_FILE reloaded on change and on SIGHUP; a bad file is refused and the last good one stays.
import { unwatchFile, watchFile } from 'node:fs';
import type { Config } from '../config.js';
import { formatPolicyError } from '../grants/rules/load.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import type { Logger } from './logger.js';
import { readPolicyFile } from './policy-file.js';

/** How often an instance compares its policy version with the one the last reload anywhere wrote to Redis. */
const VERSION_CHECK_MS = 2000;

export interface PolicyReloader {
  /** Reads the file now: true when a new policy is in force. */
  reload(reason: string): Promise<boolean>;
  /** Why the last reload was refused (file:line: what), for the admins' App Home; empty when it was not. */
  problems(): string[];
  stop(): void;
}

/**
 * Every instance watches the same file. The version (hash of the text) in force is written to Redis on each
 * successful load; an instance whose version differs from Redis's re-reads the file at once (a SIGHUP sent to
 * one instance, or a watch event one missed, reaches all of them within VERSION_CHECK_MS). Each decision
 * records the version it was made under on the grant.
 */
export function startPolicyReload(deps: {
  config: Config;
  redis: Redis;
  logger: Logger;
  /** Told about a refused file (admins' notice): its errors and the version that stays in force. */
  onRefused?: (problems: string[], inForce: string | undefined) => void;
  /** Told when a good file is read after a refused one: the refused file's errors and the version now in force. */
  onRestored?: (refused: string[], version: string) => void;
}): PolicyReloader {
  const { config, redis, logger } = deps;
  const file = config.policy.file;
  const key = `${config.redis.prefix}policy:version`;
  let problems: string[] = [];
  if (!file) return { reload: async () => false, problems: () => [], stop: () => undefined };

  const reload = async (reason: string): Promise<boolean> => {
    const load = readPolicyFile(file);
    if (!load.ok) {
      const lines = load.errors.map(formatPolicyError);
      const changed = lines.join('\n') !== problems.join('\n');
      problems = lines;
      if (changed) {
        logger.error(
          { reason, errors: lines, inForce: config.policy.rules?.version },
          'POLICY_FILE refused: the last good policy stays in force',
        );
        deps.onRefused?.(lines, config.policy.rules?.version);
      }
      return false;
    }
    const refused = problems;
    problems = [];
    if (refused.length > 0) deps.onRestored?.(refused, load.policy.version);
    const previous = config.policy.rules?.version;
    await redis.set(key, load.policy.version).catch(() => undefined);
    if (previous === load.policy.version) return false;
    config.policy.rules = load.policy;
    logger.info({ reason, version: load.policy.version, previous }, 'approval policy reloaded');
    return true;
  };

  watchFile(file, { interval: 500 }, () => void reload('file changed'));
  const onHangup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  void redis.set(key, config.policy.rules?.version ?? '').catch(() => undefined);
  const timer = setInterval(() => {
    redis
      .get(key)
      .then((version) => {
        if (version && version !== config.policy.rules?.version) return reload('another instance loaded it');
      })
      .catch(() => undefined);
  }, VERSION_CHECK_MS);
  timer.unref();
  return {
    reload,
    problems: () => problems,
    stop() {
      clearInterval(timer);
      unwatchFile(file);
      process.off('SIGHUP', onHangup);
    },
  };
}
