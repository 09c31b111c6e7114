// The Redis every test talks to: REDIS_URL when set (CI, another port, another database), else the local default.
import { Redis, type RedisOptions } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A plain client on the tests' Redis; callers isolate themselves by key prefix. */
export function testRedis(options: RedisOptions = {}): Redis {
  return new Redis(REDIS_URL, options);
}
