// Worker heartbeats: each worker-role process stamps its member in one sorted set with Redis's own clock, so
// any instance (a web-only one too) can tell whether some worker is alive in the fleet, whatever the hosts' clocks.
import { hostname } from 'node:os';
import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';

/** Heartbeats older than this do not count: a worker beats every few seconds, so this is several missed beats. */
export const HEARTBEAT_FRESH_MS = 15_000;

/** Members silent for this long are dropped from the set (crashed processes never say goodbye). */
const FORGET_AFTER_MS = 3_600_000;

/** KEYS[1] the set; ARGV[1] this instance, ARGV[2] forget-after ms. Stamps with Redis TIME; returns it. */
const BEAT = new RedisScript(`local t = redis.call('TIME')
local ms = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - tonumber(ARGV[2]))
return ms`);

/** KEYS[1] the set; ARGV[1] fresh ms. Returns how many members beat within the window (Redis TIME). */
const ALIVE = new RedisScript(`local t = redis.call('TIME')
local ms = t[1] * 1000 + math.floor(t[2] / 1000)
return redis.call('ZCOUNT', KEYS[1], ms - tonumber(ARGV[1]), '+inf')`);

export type HeartbeatRedis = Pick<Redis, 'eval' | 'evalsha' | 'zrem'>;

export const heartbeatKey = (prefix: string) => `${prefix}workers`;

/** This process's member: readable in `ZRANGE … WITHSCORES` when an operator wonders which worker is which. */
export const instanceId = () => `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

export class WorkerHeartbeat {
  constructor(
    private readonly redis: HeartbeatRedis,
    private readonly key: string,
    readonly instance: string,
  ) {}

  async beat(): Promise<void> {
    await BEAT.run(this.redis, [this.key], [this.instance, FORGET_AFTER_MS]);
  }

  /** On a clean shutdown: readiness elsewhere stops counting this worker at once. */
  async stop(): Promise<void> {
    await this.redis.zrem(this.key, this.instance);
  }
}

/** How many workers beat within `freshMs`, by Redis's clock. */
export async function liveWorkers(
  redis: Pick<Redis, 'eval' | 'evalsha'>,
  key: string,
  freshMs = HEARTBEAT_FRESH_MS,
): Promise<number> {
  return Number(await ALIVE.run(redis, [key], [freshMs]));
}
