// Where each grant's Slack message lives, and the indexes of pending and active grants for Home and /countersign.
import type { RedisClient as Redis } from '../redis/connections.js';
import { slotTag } from '../redis/key-slot.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export class MessageRefs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionMs: number,
  ) {}

  private key(grantId: string) {
    return `${this.prefix}slack:msg:${grantId}`;
  }

  /**
   * The pending and active indexes move a grant from one to the other in one MULTI, so they share a hash tag
   * (one Redis Cluster slot). Before the tag they were `<prefix>slack:pending|active`.
   */
  private index(which: 'pending' | 'active') {
    return `${this.prefix}${slotTag(this.prefix, 'slack')}:${which}`;
  }

  async get(grantId: string): Promise<MessageRef | null> {
    const [channel, ts] = await this.redis.hmget(this.key(grantId), 'channel', 'ts');
    return channel && ts ? { channel, ts } : null;
  }

  /** Records the message; false when another worker already posted one (the caller then deletes its own). */
  async claim(grantId: string, ref: MessageRef): Promise<boolean> {
    const key = this.key(grantId);
    const created = await this.redis.hsetnx(key, 'channel', ref.channel);
    if (created === 1) {
      await this.redis.multi().hset(key, 'ts', ref.ts).pexpire(key, this.retentionMs).exec();
    }
    return created === 1;
  }

  /**
   * Takes the right to perform a one-off side effect (a DM, an audit line) for a grant; false when it was
   * already taken, so a retried or duplicated job does not send it twice.
   */
  async once(grantId: string, effect: string): Promise<boolean> {
    const key = `${this.prefix}slack:sent:${grantId}:${effect}`;
    return (await this.redis.set(key, '1', 'PX', this.retentionMs, 'NX')) === 'OK';
  }

  /** Gives the right back after the effect failed, so the retry performs it. */
  async forget(grantId: string, effect: string): Promise<void> {
    await this.redis.del(`${this.prefix}slack:sent:${grantId}:${effect}`);
  }

  async markPending(grantId: string, decideBy: number) {
    await this.redis.zadd(this.index('pending'), decideBy, grantId);
  }

  async markActive(grantId: string, expiresAt: number) {
    await this.redis
      .multi()
      .zrem(this.index('pending'), grantId)
      .zadd(this.index('active'), expiresAt, grantId)
      .exec();
  }

  async markDone(grantId: string) {
    await this.redis.multi().zrem(this.index('pending'), grantId).zrem(this.index('active'), grantId).exec();
  }

  /** Ids of pending grants whose window is still open, soonest deadline first. */
  async pending(now: number, limit = 20): Promise<string[]> {
    return this.redis.zrangebyscore(this.index('pending'), now, '+inf', 'LIMIT', 0, limit);
  }

  async active(now: number, limit = 20): Promise<string[]> {
    return this.redis.zrangebyscore(this.index('active'), now, '+inf', 'LIMIT', 0, limit);
  }
}
