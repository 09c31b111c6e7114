// Detects a Redis data reset: an epoch key set once (SET NX) that every process remembers; when it vanishes or
// changes, Redis lost its data (a restart without persistence, a FLUSHALL, a failover to an empty replica). On a
// Redis Cluster one more key per shard (src/ops/shard-epochs.ts) catches a shard that lost its data alone.
import { randomUUID } from 'node:crypto';
import type { RedisClient as Redis } from '../redis/connections.js';

/** The epoch key's commands: a plain client or a Cluster (one key, any slot). */
export type EpochRedis = Pick<Redis, 'get' | 'set'>;

export interface ResetSeen {
  /** The epoch this process knew before. */
  previous: string;
  /** The epoch Redis holds now (this process or another one set it after the reset). */
  current: string;
  /** When this process noticed (epoch ms). */
  at: number;
  /** The shard's epoch key when one shard of a cluster lost its data (the main key is elsewhere). */
  shard?: string;
}

export interface EpochState {
  /** Null until the first successful read. */
  epoch: string | null;
  resets: number;
  lastReset: ResetSeen | null;
}

export class RedisEpoch {
  private epoch: string | null = null;
  private resets = 0;
  private lastReset: ResetSeen | null = null;
  /** One check at a time: the periodic timer and a reconnect can fire together. */
  private running: Promise<ResetSeen | null> | null = null;
  /** What each shard key held when this process last looked. */
  private readonly shardEpochs = new Map<string, string>();

  constructor(
    private readonly redis: EpochRedis,
    readonly key: string,
    private readonly onReset: (reset: ResetSeen) => void,
    private readonly now: () => number = Date.now,
    /** On a cluster: the per-shard epoch keys as of now (src/ops/shard-epochs.ts). */
    private readonly shardKeys: (() => Promise<string[]>) | null = null,
  ) {}

  /**
   * Reads the epoch (creating it when missing) and compares it with the one this process saw. The first read
   * only adopts it. Returns the reset when one was found (it is also reported through `onReset`).
   */
  check(): Promise<ResetSeen | null> {
    this.running ??= this.compare().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  state(): EpochState {
    return { epoch: this.epoch, resets: this.resets, lastReset: this.lastReset };
  }

  private async compare(): Promise<ResetSeen | null> {
    const current = await this.read(this.key);
    const previous = this.epoch;
    this.epoch = current;
    let found: ResetSeen | null =
      previous !== null && previous !== current ? this.seen({ previous, current, at: this.now() }) : null;
    // Did a shard lose its data? (First looks only adopt; after a reset of the main key's shard, its own shard
    // key changed too: adopted silently, so one loss makes one report.)
    for (const key of (await this.shardKeys?.()) ?? []) {
      const shardCurrent = await this.read(key);
      const shardPrevious = this.shardEpochs.get(key);
      this.shardEpochs.set(key, shardCurrent);
      if (!found && shardPrevious !== undefined && shardPrevious !== shardCurrent)
        found = this.seen({ previous: shardPrevious, current: shardCurrent, at: this.now(), shard: key });
    }
    return found;
  }

  private seen(reset: ResetSeen): ResetSeen {
    this.resets += 1;
    this.lastReset = reset;
    this.onReset(reset);
    return reset;
  }

  /** The epoch in Redis; when there is none, ours, unless another process set one first. */
  private async read(key: string): Promise<string> {
    const existing = await this.redis.get(key);
    if (existing) return existing;
    const mine = randomUUID();
    if ((await this.redis.set(key, mine, 'NX')) === 'OK') return mine;
    const theirs = await this.redis.get(key);
    if (!theirs) throw new Error('the Redis epoch key vanished while it was being set');
    return theirs;
  }
}
