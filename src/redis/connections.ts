// The one place Redis connections are built, for a single node or a Redis Cluster, per role (commands,
// subscriber, jobs), so every part of the process talks to the same Redis with the same credentials.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from './settings.js';

/** What every module talks to: a single-node client or a cluster client (same command API). */
export type RedisClient = Redis | Cluster;

/**
 * - `commands`: the request path. Fails fast while Redis is away (no offline queue, one retry) so requests
 *   get a 503 instead of hanging; concurrent calls share round trips (auto-pipelining). Lazy: `connect()` it.
 * - `subscriber`: pub/sub. May queue its SUBSCRIBE until connected and never gives up on it.
 * - `jobs`: BullMQ, which requires `maxRetriesPerRequest: null` (its blocking commands wait indefinitely).
 */
export type ConnectionRole = 'commands' | 'subscriber' | 'jobs';

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  commands: {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3000,
    enableAutoPipelining: true,
  },
  subscriber: {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectTimeout: 3000,
  },
  jobs: { maxRetriesPerRequest: null, connectTimeout: 3000 },
};

/** Options a Cluster takes at its top level rather than per node (ioredis ignores them in redisOptions). */
const CLUSTER_LEVEL = [
  'lazyConnect',
  'enableOfflineQueue',
  'enableAutoPipelining',
  'enableReadyCheck',
] as const;

/** How long a slot-map refresh may take: a managed cluster across zones answers CLUSTER SLOTS in well under this. */
const SLOTS_REFRESH_TIMEOUT_MS = 2000;

export interface RedisFactory {
  readonly mode: 'single' | 'cluster';
  /**
   * A new connection for `role`; `extra` ioredis options (e.g. `commandTimeout`) override the role's defaults
   * and apply to every node of a cluster.
   */
  create(role: ConnectionRole, extra?: RedisOptions): RedisClient;
}

export function redisFactory(settings: RedisSettings): RedisFactory {
  const cluster = settings.cluster ?? null;
  if (!cluster) {
    return {
      mode: 'single',
      create: (role, extra = {}) => new Redis(settings.url, { ...ROLE_OPTIONS[role], ...extra }),
    };
  }
  return {
    mode: 'cluster',
    create(role, extra = {}) {
      const merged: RedisOptions = { ...ROLE_OPTIONS[role], ...extra };
      const top: Partial<ClusterOptions> = {};
      const perNode: Record<string, unknown> = { ...merged };
      for (const name of CLUSTER_LEVEL) {
        if (name in merged) (top as Record<string, unknown>)[name] = merged[name];
        delete perNode[name];
      }
      const natMap = Object.keys(cluster.natMap).length > 0 ? cluster.natMap : undefined;
      return new Cluster(cluster.nodes, {
        ...top,
        slotsRefreshTimeout: SLOTS_REFRESH_TIMEOUT_MS,
        ...(natMap ? { natMap } : {}),
        // With TLS the certificate names the host we were given: keep host names instead of resolving them
        // to IPs first (ioredis' advice for managed clusters such as ElastiCache).
        ...(cluster.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
        redisOptions: {
          ...(perNode as ClusterOptions['redisOptions']),
          ...(cluster.username ? { username: cluster.username } : {}),
          ...(cluster.password ? { password: cluster.password } : {}),
          ...(cluster.tls ? { tls: {} } : {}),
        },
      });
    },
  };
}

/** Every master of a cluster, or the single node: for commands that act per node (SCAN, INFO, CLUSTER INFO). */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
