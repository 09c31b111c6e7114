// Where the data-epoch keys go on a Redis Cluster: one per master, so a shard that loses its data (a master
// restarted empty, a failover to a replica that never synced) is seen even when the main epoch key's shard is fine.
import type { Cluster } from 'ioredis';
import { keySlot } from '../redis/key-slot.js';

/** A key under `prefix` in `slot`: `<prefix>epoch:{e<n>}` with the first n whose hash tag lands there. */
export function epochKeyInSlot(prefix: string, slot: number): string {
  // About 16,384 tries at worst on average (CRC16 spreads tags evenly): well under a millisecond each look.
  for (let n = 0; ; n++) {
    if (keySlot(`{e${n}}`) === slot) return `${prefix}epoch:{e${n}}`;
  }
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

/**
 * One epoch key per master, in the first slot it serves: the same key while slots stay where they are (a
 * failover keeps them); after resharding a new key is adopted and the old one travels with its slot.
 */
export function shardEpochKeys(cluster: Pick<Cluster, 'cluster'>, prefix: string): () => Promise<string[]> {
  const bySlot = new Map<number, string>();
  return async () => {
    const ranges = (await cluster.cluster('SLOTS')) as unknown as SlotRange[];
    const firstSlot = new Map<string, number>();
    for (const [from, , [host, port]] of ranges) {
      const master = `${host}:${port}`;
      firstSlot.set(master, Math.min(firstSlot.get(master) ?? from, from));
    }
    return [...firstSlot.values()].map((slot) => {
      const key = bySlot.get(slot) ?? epochKeyInSlot(prefix, slot);
      bySlot.set(slot, key);
      return key;
    });
  };
}
