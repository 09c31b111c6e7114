// Approval-spam guard: at most N access requests per user per minute, counted in Redis across instances.
import type { RedisClient as Redis } from '../redis/connections.js';

export function createRequestLimiter(
  redis: Redis,
  prefix: string,
  perMinute: number,
  now: () => number = Date.now,
) {
  return async (userId: string, limit: number = perMinute): Promise<boolean> => {
    const window = Math.floor(now() / 60_000);
    const key = `${prefix}ratelimit:{${userId}}:${window}`;
    const [[, count]] = (await redis.multi().incr(key).pexpire(key, 120_000).exec()) as [
      [Error | null, number],
    ];
    return count <= limit;
  };
}
