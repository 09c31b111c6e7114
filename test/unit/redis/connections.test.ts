import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisClient, redisFactory } from '../../../src/redis/connections.js';
import type { ClusterSettings } from '../../../src/redis/settings.js';

const cluster: ClusterSettings = {
  nodes: [{ host: 'redis-a.example.com', port: 6380 }],
  username: 'app',
  password: 'secret',
  tls: true,
  natMap: { '10.0.0.1:6379': { host: 'redis-a.example.com', port: 6380 } },
};

const made: RedisClient[] = [];
afterEach(() => {
  for (const client of made.splice(0)) client.disconnect();
});
const create = (...args: Parameters<ReturnType<typeof redisFactory>['create']>) => {
  const client = redisFactory({ url: 'redis://127.0.0.1:1', prefix: 'cs:', cluster }).create(...args);
  made.push(client);
  return client as Cluster;
};

describe('redisFactory', () => {
  it('builds single-node clients from REDIS_URL, with the role defaults and extra options', () => {
    const factory = redisFactory({ url: 'redis://:pw@127.0.0.1:1/2', prefix: 'cs:', cluster: null });
    expect(factory.mode).toBe('single');
    const client = factory.create('commands', { commandTimeout: 2000 });
    made.push(client);
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      password: 'pw',
      db: 2,
    });
  });

  it('builds cluster clients: cluster-level options on top, the rest, credentials and TLS for every node', () => {
    const client = create('commands', { commandTimeout: 2000 });
    expect(client).toBeInstanceOf(Cluster);
    expect(client.options).toMatchObject({
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      natMap: cluster.natMap,
    });
    expect(typeof client.options.dnsLookup).toBe('function');
    expect(client.options.redisOptions).toMatchObject({
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      username: 'app',
      password: 'secret',
      tls: {},
    });
    expect(client.options.redisOptions).not.toHaveProperty('lazyConnect');
    expect(client.options.redisOptions).not.toHaveProperty('enableOfflineQueue');
  });

  it('gives BullMQ connections that never give up on a command, and subscribers an offline queue', () => {
    expect(create('jobs', { lazyConnect: true }).options.redisOptions?.maxRetriesPerRequest).toBeNull();
    const subscriber = create('subscriber');
    expect(subscriber.options.enableOfflineQueue).toBe(true);
    expect(subscriber.options.redisOptions?.maxRetriesPerRequest).toBeNull();
  });
});
