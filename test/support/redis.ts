// The Redis every test talks to: REDIS_URL when set (CI, another port, another database), else the local default;
// a Redis Cluster instead when REDIS_CLUSTER_NODES is set (seeds, as for the server).
import type { RedisOptions } from 'ioredis';
import { redisConfig } from '../../src/config.js';
import { isCluster, masters, type RedisClient, redisFactory } from '../../src/redis/connections.js';

// The fallback is the product's own default (REDIS_URL unset), read from the config rather than written again.
export const REDIS_URL = process.env.REDIS_URL || redisConfig({}).url;

/** Comma-separated seeds of a Redis Cluster; empty = the single Redis at REDIS_URL. */
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES ?? '';

/** The settings a server under test gets: REDIS_CLUSTER_NODES in cluster mode, else REDIS_URL. */
export function redisEnv(): Record<string, string> {
  return REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : { REDIS_URL };
}

/** The same settings as the server's Config['redis'], for tests that build the product's parts themselves. */
export function testRedisSettings(prefix = 'cs:') {
  return redisConfig({ ...redisEnv(), REDIS_PREFIX: prefix });
}

/**
 * A client on the tests' Redis (a cluster client in cluster mode); callers isolate themselves by key prefix.
 * Connects at once and queues commands meanwhile, unless `options` say otherwise.
 */
export function testRedis(options: RedisOptions = {}): RedisClient {
  // ioredis' own default of 20 retries, as the plain client this used to be.
  return redisFactory(testRedisSettings()).create('jobs', { maxRetriesPerRequest: 20, ...options });
}

/** Removes every key matching the patterns: SCAN runs on every master, since each holds only its own slots. */
export async function deleteKeys(patterns: string[]): Promise<void> {
  const redis = testRedis();
  try {
    // A cluster client knows its masters once it has read the slot map.
    if (isCluster(redis) && redis.status !== 'ready')
      await new Promise((resolve) => redis.once('ready', resolve));
    for (const node of masters(redis)) {
      for (const match of patterns) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
          cursor = next;
          if (keys.length === 0) continue;
          // On a cluster one node's keys may still span slots: one UNLINK per key there.
          if (isCluster(redis)) await Promise.all(keys.map((key) => node.unlink(key)));
          else await node.unlink(...keys);
        } while (cursor !== '0');
      }
    }
  } finally {
    redis.disconnect();
  }
}
