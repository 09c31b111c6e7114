// Grant deadlines as one sorted set, drained by a sweep job: a pending grant costs one small entry per deadline
// instead of a delayed BullMQ job each (whose hash is ten times the size). Members are `<kind>:<grantId>`.
import type { RedisClient as Redis } from '../redis/connections.js';

export type DeadlineKind = 'expire' | 'remind';

export interface DueDeadline {
  kind: DeadlineKind;
  grantId: string;
}

// Takes a due member for this caller only: ZREM succeeds for exactly one of several racing sweepers.
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local mine = {}
for _, member in ipairs(due) do
  if redis.call('ZREM', KEYS[1], member) == 1 then table.insert(mine, member) end
end
return mine`;

export class Deadlines {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  /** Sets (or moves, on an extension) the grant's deadline of this kind. */
  async schedule(kind: DeadlineKind, grantId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key, at, `${kind}:${grantId}`);
  }

  async cancel(grantId: string, kinds: DeadlineKind[] = ['expire', 'remind']): Promise<void> {
    await this.redis.zrem(this.key, ...kinds.map((kind) => `${kind}:${grantId}`));
  }

  /** When the deadline of this kind falls, or null when none is scheduled. */
  async at(kind: DeadlineKind, grantId: string): Promise<number | null> {
    const score = await this.redis.zscore(this.key, `${kind}:${grantId}`);
    return score === null ? null : Number(score);
  }

  /** Removes and returns up to `limit` deadlines that have passed; each is returned to one caller only. */
  async claimDue(now: number, limit: number): Promise<DueDeadline[]> {
    const members = (await this.redis.eval(CLAIM, 1, this.key, String(now), String(limit))) as string[];
    return members.flatMap((member) => {
      const at = member.indexOf(':');
      const kind = member.slice(0, at);
      return kind === 'expire' || kind === 'remind' ? [{ kind, grantId: member.slice(at + 1) }] : [];
    });
  }
}
