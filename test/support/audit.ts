// Reading what the server under test wrote to its audit stream.
import type { RedisClient as Redis } from '../../src/redis/connections.js';

/** Audit event types recorded for a grant, oldest first. */
export async function auditTypesOf(redis: Redis, prefix: string, grantId: string): Promise<string[]> {
  const rows = await redis.xrange(`${prefix}audit`, '-', '+');
  return rows
    .map(
      ([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as { type: string; grantId?: string },
    )
    .filter((event) => event.grantId === grantId)
    .map((event) => event.type);
}
