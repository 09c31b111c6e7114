// Detects a Redis data reset: an epoch key set once (SET NX) that every process remembers; when it vanishes or
// changes, Redis lost its data (a restart without persistence, a FLUSHALL, a failover to an empty replica).
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

  constructor(
    private readonly redis: EpochRedis,
    readonly key: string,
    private readonly onReset: (reset: ResetSeen) => void,
    private readonly now: () => number = Date.now,
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
    const current = await this.read();
    const previous = this.epoch;
    this.epoch = current;
    if (previous === null || previous === current) return null;
    const reset = { previous, current, at: this.now() };
    this.resets += 1;
    this.lastReset = reset;
    this.onReset(reset);
    return reset;
  }

  /** The epoch in Redis; when there is none, ours, unless another process set one first. */
  private async read(): Promise<string> {
    const existing = await this.redis.get(this.key);
    if (existing) return existing;
    const mine = randomUUID();
    if ((await this.redis.set(this.key, mine, 'NX')) === 'OK') return mine;
    const theirs = await this.redis.get(this.key);
    if (!theirs) throw new Error('the Redis epoch key vanished while it was being set');
    return theirs;
  }
}
