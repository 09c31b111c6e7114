// At start: does this Redis keep its data? AOF on and no eviction, or a restart or memory pressure silently
// loses grants. Warns in the log (one line per setting); managed services that refuse CONFIG are only noted.

import type { Logger } from '../lib/logger.js';
import type { RedisClient as Redis } from '../redis/connections.js';

export interface PersistenceFindings {
  /** Null when CONFIG GET was refused or failed. */
  appendonly: string | null;
  maxmemoryPolicy: string | null;
}

export async function checkRedisPersistence(
  redis: Pick<Redis, 'config'>,
  logger: Logger,
): Promise<PersistenceFindings> {
  let appendonly: string | null;
  let maxmemoryPolicy: string | null;
  try {
    appendonly = await configValue(redis, 'appendonly');
    maxmemoryPolicy = await configValue(redis, 'maxmemory-policy');
  } catch (error) {
    logger.warn(
      { reason: (error as Error).message },
      'Could not check Redis persistence (CONFIG GET refused, as on many managed services): make sure it keeps its data (AOF) and uses maxmemory-policy noeviction',
    );
    return { appendonly: null, maxmemoryPolicy: null };
  }
  if (appendonly !== 'yes')
    logger.warn(
      { appendonly },
      'Redis runs without AOF persistence (appendonly is not yes): a restart can lose every pending request and grant',
    );
  if (maxmemoryPolicy !== 'noeviction')
    logger.warn(
      { maxmemoryPolicy },
      'Redis maxmemory-policy is not noeviction: under memory pressure it may silently drop grants, deadlines and jobs',
    );
  return { appendonly, maxmemoryPolicy };
}

async function configValue(redis: Pick<Redis, 'config'>, name: string): Promise<string | null> {
  // [name, value] (RESP2) or {name: value} (RESP3 maps), whichever the client hands back.
  const reply = (await redis.config('GET', name)) as unknown;
  if (Array.isArray(reply)) return reply.length >= 2 ? String(reply[1]) : null;
  if (reply && typeof reply === 'object') {
    const value = (reply as Record<string, unknown>)[name];
    return value === undefined ? null : String(value);
  }
  return null;
}
