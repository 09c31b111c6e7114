// Grant deadlines as one sorted set, drained by a sweep job: a pending grant costs one small entry per deadline
// instead of a delayed BullMQ job each (whose hash is ten times the size). Members are `<kind>:<grantId>`.
// A sweep takes due deadlines with a lease (into a second sorted set, scored by the lease's end) and removes
// them only once handled, so a worker that dies mid-sweep loses nothing: its leases run out and any sweep
// takes them again.
import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';

export type DeadlineKind = 'expire' | 'remind';

export interface DueDeadline {
  kind: DeadlineKind;
  grantId: string;
}

// KEYS[1] deadlines (member → due, epoch ms), KEYS[2] in flight (member → lease end, epoch ms)
// ARGV[1] now, ARGV[2] limit, ARGV[3] lease end for what is taken now
// Returns the members now leased to this caller: first those whose lease ran out (their holder died or
// stalled), then due deadlines. A due deadline whose member is still leased to someone else (it was moved
// while in flight) stays where it is until that lease is finished or runs out: a live claim is never shared.
const CLAIM = new RedisScript(`
local now, limit, leaseEnd = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local taken, seen = {}, {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZADD', KEYS[2], leaseEnd, member)
  seen[member] = true
  table.insert(taken, member)
end
if #taken < limit then
  -- Read a little more than needed: some due members may be skipped as leased elsewhere.
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 2 * limit)
  for _, member in ipairs(due) do
    if #taken >= limit then break end
    local lease = redis.call('ZSCORE', KEYS[2], member)
    if seen[member] then
      -- Just re-taken after a lapsed lease: this handling covers the due entry too.
      redis.call('ZREM', KEYS[1], member)
    elseif not lease or tonumber(lease) <= now then
      redis.call('ZREM', KEYS[1], member)
      redis.call('ZADD', KEYS[2], leaseEnd, member)
      table.insert(taken, member)
    end
  end
end
return taken`);

// KEYS[1] deadlines, KEYS[2] in flight; ARGV[1] when to retry (epoch ms), ARGV[2..] members
// Returns how many were given back. Only members still leased go back (a cancel while in flight already
// removed the lease: nothing to retry); a deadline moved while in flight keeps its new time (NX).
const GIVE_BACK = new RedisScript(`
local back = 0
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[i])
    back = back + 1
  end
end
return back`);

const memberOf = (d: DueDeadline) => `${d.kind}:${d.grantId}`;

export class Deadlines {
  /** The leases of deadlines being handled; `key` carries a hash tag, so both sets share one cluster slot. */
  readonly inFlightKey: string;

  constructor(
    private readonly redis: Redis,
    /** Must contain a Redis Cluster hash tag (`{…}`): the scripts touch this key and `inFlightKey` together. */
    readonly key: string,
  ) {
    this.inFlightKey = `${key}:inflight`;
  }

  /** Sets (or moves, on an extension) the grant's deadline of this kind. */
  async schedule(kind: DeadlineKind, grantId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key, at, `${kind}:${grantId}`);
  }

  /** Drops the deadlines, and the leases of any being handled right now (their completion is then a no-op). */
  async cancel(grantId: string, kinds: DeadlineKind[] = ['expire', 'remind']): Promise<void> {
    const members = kinds.map((kind) => `${kind}:${grantId}`);
    await this.redis
      .multi()
      .zrem(this.key, ...members)
      .zrem(this.inFlightKey, ...members)
      .exec();
  }

  /** When the deadline of this kind falls, or null when none is scheduled. */
  async at(kind: DeadlineKind, grantId: string): Promise<number | null> {
    const score = await this.redis.zscore(this.key, `${kind}:${grantId}`);
    return score === null ? null : Number(score);
  }

  /** When the lease on this deadline ends, or null when nobody is handling it. */
  async leasedUntil(kind: DeadlineKind, grantId: string): Promise<number | null> {
    const score = await this.redis.zscore(this.inFlightKey, `${kind}:${grantId}`);
    return score === null ? null : Number(score);
  }

  /**
   * Leases up to `limit` deadlines until `now + leaseMs`: lapsed leases first, then passed deadlines. A live
   * lease belongs to one caller only. Each must be completed, given back or renewed before the lease ends.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<DueDeadline[]> {
    const members = await CLAIM.run<string[]>(
      this.redis,
      [this.key, this.inFlightKey],
      [now, limit, now + leaseMs],
    );
    return members.flatMap((member) => {
      const at = member.indexOf(':');
      const kind = member.slice(0, at);
      return kind === 'expire' || kind === 'remind' ? [{ kind, grantId: member.slice(at + 1) }] : [];
    });
  }

  /** Extends leases still held (XX: a completed or cancelled one is not brought back). */
  async renew(deadlines: readonly DueDeadline[], until: number): Promise<void> {
    if (deadlines.length === 0) return;
    const args = deadlines.flatMap((d) => [until, memberOf(d)]);
    await this.redis.zadd(this.inFlightKey, 'XX', ...args);
  }

  /**
   * The deadline was handled: its lease goes. A deadline moved meanwhile (a new ZADD into the deadline set)
   * stays scheduled at its new time.
   */
  async complete(deadline: DueDeadline): Promise<void> {
    await this.redis.zrem(this.inFlightKey, memberOf(deadline));
  }

  /** Handling failed (or was not attempted): the deadlines fall due again at `at`, unless cancelled meanwhile. */
  async giveBack(deadlines: readonly DueDeadline[], at: number): Promise<number> {
    if (deadlines.length === 0) return 0;
    return GIVE_BACK.run<number>(this.redis, [this.key, this.inFlightKey], [at, ...deadlines.map(memberOf)]);
  }
}
