// Where each grant's Slack message lives, where a post may be on its way (so a crash or a lost reply never
// makes a second message), and the indexes of pending and active grants for Home and /countersign.
// One small hash per grant (`slack:msg:<id>`) holds all of a grant's Slack state: the ref (`channel`, `ts`),
// posting marks (`posting:<channel>`), once-marks (`sent:<effect>`) and its audit-channel thread (`thread:ts`,
// `thread:permalink`), so a pending grant pays for one key, not four (each key costs Redis about 100 bytes).

import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { slotTag } from '../redis/key-slot.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

/** Where a request message may have been posted (a channel id or a user id) and since when (epoch ms). */
export interface PostingMark {
  channel: string;
  since: number;
}

/**
 * KEYS[1] the grant's message ref; ARGV[1] channel, ARGV[2] ts, ARGV[3] retention in ms, ARGV[4] the posted
 * notices' pub/sub channel, ARGV[5] the grant id.
 * Records the ref unless one is there, in one step (a crash leaves either none or a whole one), and says so on
 * ARGV[4] as `<grantId> <channel>` (posted-notices.ts). Returns {1, channel, ts} when recorded, {0, channel, ts}
 * of the ref already there otherwise.
 */
const CLAIM = new RedisScript(`
local ref = redis.call('HMGET', KEYS[1], 'channel', 'ts')
if ref[1] and ref[2] then return {0, ref[1], ref[2]} end
redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'ts', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. ARGV[1])
return {1, ARGV[1], ARGV[2]}`);

/** The pub/sub channel where every recorded message says where it was posted: `<grantId> <channel>`. */
export function postedChannel(prefix: string): string {
  return `${prefix}slack-posted`;
}

/** Field prefixes in a grant's Slack hash besides the ref's `channel` and `ts`. */
const POSTING = 'posting:';
const SENT = 'sent:';
const THREAD_TS = 'thread:ts';
const THREAD_LINK = 'thread:permalink';

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
    return (await this.claimOrGet(grantId, ref)).claimed;
  }

  /** Records the message unless one is recorded; answers with the ref that holds either way. */
  async claimOrGet(grantId: string, ref: MessageRef): Promise<{ claimed: boolean; ref: MessageRef }> {
    const [code, channel, ts] = await CLAIM.run<[number, string, string]>(
      this.redis,
      [this.key(grantId)],
      [ref.channel, ref.ts, this.retentionMs, postedChannel(this.prefix), grantId],
    );
    return { claimed: code === 1, ref: { channel, ts } };
  }

  /**
   * Notes, before chat.postMessage, that the grant's message may appear in `channel` from `since` on. The first
   * note per channel stays (the earliest time bounds the search); kept as long as the grant's records.
   */
  async markPosting(grantId: string, mark: PostingMark): Promise<void> {
    const key = this.key(grantId);
    await this.redis
      .multi()
      .hsetnx(key, `${POSTING}${mark.channel}`, String(mark.since))
      .pexpire(key, this.retentionMs)
      .exec();
  }

  /** Where a post for the grant may have gone out without its ref being recorded (none once it was). */
  async postings(grantId: string): Promise<PostingMark[]> {
    const fields = await this.redis.hgetall(this.key(grantId));
    return Object.entries(fields)
      .filter(([field]) => field.startsWith(POSTING))
      .map(([field, since]) => ({ channel: field.slice(POSTING.length), since: Number(since) }));
  }

  /** The ref is recorded (or Slack refused the post to `channel`): nothing left to look for (there). */
  async clearPosting(grantId: string, channel?: string): Promise<void> {
    const key = this.key(grantId);
    if (channel) {
      await this.redis.hdel(key, `${POSTING}${channel}`);
      return;
    }
    const marks = (await this.redis.hkeys(key)).filter((field) => field.startsWith(POSTING));
    if (marks.length > 0) await this.redis.hdel(key, ...marks);
  }

  /**
   * Takes the right to perform a one-off side effect (a DM, an audit line) for a grant; false when it was
   * already taken, so a retried or duplicated job does not send it twice.
   */
  async once(grantId: string, effect: string): Promise<boolean> {
    const key = this.key(grantId);
    const results = await this.redis
      .multi()
      .hsetnx(key, `${SENT}${effect}`, '1')
      .pexpire(key, this.retentionMs)
      .exec();
    const [error, taken] = results?.[0] ?? [new Error('once: no reply')];
    if (error) throw error;
    return taken === 1;
  }

  /** Gives the right back after the effect failed, so the retry performs it. */
  async forget(grantId: string, effect: string): Promise<void> {
    await this.redis.hdel(this.key(grantId), `${SENT}${effect}`);
  }

  /** The audit channel's thread of the grant: its first line's ts and the request message's permalink. */
  async auditThread(grantId: string): Promise<{ ts: string | null; permalink: string | null }> {
    const [ts, permalink] = await this.redis.hmget(this.key(grantId), THREAD_TS, THREAD_LINK);
    return { ts: ts ?? null, permalink: permalink ?? null };
  }

  async setAuditThread(grantId: string, thread: { ts?: string; permalink?: string }): Promise<void> {
    const fields: Record<string, string> = {};
    if (thread.ts) fields[THREAD_TS] = thread.ts;
    if (thread.permalink) fields[THREAD_LINK] = thread.permalink;
    if (Object.keys(fields).length === 0) return;
    const key = this.key(grantId);
    await this.redis.multi().hset(key, fields).pexpire(key, this.retentionMs).exec();
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
