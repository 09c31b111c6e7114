// Readiness on a Redis Cluster: a PING to one node proves little, so /readyz also needs the cluster to say
// cluster_state:ok with every slot served (our grants hash to all of them) and every master we know to answer.
import type { Cluster } from 'ioredis';
import { SLOT_COUNT } from '../redis/key-slot.js';
import type { ReadinessCheck } from './readiness.js';

export type ClusterHealth = { state: 'ok' } | { state: 'down'; reason: string };

export async function clusterHealth(cluster: Cluster, timeoutMs: number): Promise<ClusterHealth> {
  try {
    const info = String(await within(cluster.cluster('INFO'), timeoutMs, 'CLUSTER INFO'));
    const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
    const state = field('cluster_state');
    if (state !== 'ok') return { state: 'down', reason: `cluster_state:${state ?? 'unknown'}` };
    const served = Number(field('cluster_slots_ok') ?? 0);
    if (served !== SLOT_COUNT) return { state: 'down', reason: `${served} of ${SLOT_COUNT} slots served` };
    const masters = cluster.nodes('master');
    if (masters.length === 0) return { state: 'down', reason: 'no master known yet' };
    const silent: string[] = [];
    await Promise.all(
      masters.map((node) =>
        within(node.ping(), timeoutMs, 'PING').catch(() => {
          silent.push(`${node.options.host}:${node.options.port}`);
        }),
      ),
    );
    if (silent.length > 0)
      return { state: 'down', reason: `master ${silent.sort().join(', ')} does not answer` };
    return { state: 'ok' };
  } catch (error) {
    return { state: 'down', reason: (error as Error).message };
  }
}

function within<T>(probe: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    probe,
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** /readyz's `redisCluster` check: down (with the reason in its detail) unless the cluster serves every slot. */
export function clusterReadiness(cluster: Cluster, timeoutMs: number): ReadinessCheck {
  return {
    name: 'redisCluster',
    async run() {
      const health = await clusterHealth(cluster, timeoutMs);
      return health.state === 'ok'
        ? { state: 'ok', ok: true }
        : { state: 'down', ok: false, detail: { reason: health.reason } };
    },
  };
}
