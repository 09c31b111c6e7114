// A Lua script run by its SHA1 with plain EVALSHA (EVAL once Redis says NOSCRIPT): one round trip, and safe on
// auto-pipelined connections, where a command from ioredis' defineCommand can be missing from a pipeline that
// was started before the definition (the call then fails, and ioredis can crash the process).
import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from '../redis/connections.js';

export class RedisScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run<T>(
    redis: Pick<Redis, 'eval' | 'evalsha'>,
    keys: string[],
    args: Array<string | number>,
  ): Promise<T> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return (await redis.eval(this.lua, keys.length, ...keys, ...args)) as T;
    }
  }
}
