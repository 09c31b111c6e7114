// Per-shard epoch keys on a Redis Cluster: one key per master, in a slot it serves, and a shard that lost its
// data alone is reported as a reset of that shard.
import { describe, expect, it } from 'vitest';
import { RedisEpoch, type ResetSeen } from '../../../src/ops/redis-epoch.js';
import { epochKeyInSlot, shardEpochKeys } from '../../../src/ops/shard-epochs.js';
import { keySlot } from '../../../src/redis/key-slot.js';

/** GET and SET NX over a Map: what RedisEpoch needs of Redis. */
function memoryRedis() {
  const data = new Map<string, string>();
  return {
    data,
    get: async (key: string) => data.get(key) ?? null,
    set: async (key: string, value: string, _nx: 'NX') => {
      if (data.has(key)) return null;
      data.set(key, value);
      return 'OK' as const;
    },
  };
}

describe('epochKeyInSlot', () => {
  it('names a key under the prefix that Redis Cluster puts in the slot asked for', () => {
    for (const slot of [0, 1, 5461, 10_923, 16_383]) {
      const key = epochKeyInSlot('cs:', slot);
      expect(key.startsWith('cs:epoch:{')).toBe(true);
      expect(keySlot(key)).toBe(slot);
    }
  });
});

describe('shardEpochKeys', () => {
  it('gives one key per master, in the first slot it serves', async () => {
    const ranges = [
      [0, 100, ['127.0.0.1', 7001, 'a']],
      [101, 5460, ['127.0.0.1', 7002, 'b']],
      [5461, 10_922, ['127.0.0.1', 7001, 'a']],
      [10_923, 16_383, ['127.0.0.1', 7003, 'c']],
    ];
    const keys = await shardEpochKeys({ cluster: (async () => ranges) as never }, 'cs:')();
    expect(keys.map(keySlot)).toEqual([0, 101, 10_923]);
  });
});

describe('RedisEpoch with shard keys', () => {
  it('reports the shard that lost its data, and only after the first look adopted its epoch', async () => {
    const redis = memoryRedis();
    const seen: ResetSeen[] = [];
    const epoch = new RedisEpoch(
      redis as never,
      'cs:epoch',
      (reset) => seen.push(reset),
      () => 1,
      async () => ['cs:epoch:{a}', 'cs:epoch:{b}'],
    );
    expect(await epoch.check()).toBeNull();
    expect(await epoch.check()).toBeNull();
    redis.data.delete('cs:epoch:{b}');
    const reset = await epoch.check();
    expect(reset).toMatchObject({ shard: 'cs:epoch:{b}', current: redis.data.get('cs:epoch:{b}') });
    expect(seen).toHaveLength(1);
    expect(epoch.state()).toMatchObject({ resets: 1, epoch: redis.data.get('cs:epoch') });
    expect(await epoch.check()).toBeNull();
  });

  it("reports a reset of the main key's shard once, not again for that shard's own key", async () => {
    const redis = memoryRedis();
    const seen: ResetSeen[] = [];
    const epoch = new RedisEpoch(
      redis as never,
      'cs:epoch',
      (reset) => seen.push(reset),
      () => 1,
      async () => ['cs:epoch:{a}', 'cs:epoch:{b}'],
    );
    await epoch.check();
    // The shard holding the main key and shard key a comes back empty.
    redis.data.delete('cs:epoch');
    redis.data.delete('cs:epoch:{a}');
    expect(await epoch.check()).toMatchObject({ current: redis.data.get('cs:epoch') });
    expect(seen[0]?.shard).toBeUndefined();
    expect(await epoch.check()).toBeNull();
    expect(seen).toHaveLength(1);
  });
});
