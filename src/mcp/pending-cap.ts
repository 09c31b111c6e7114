// The policy's maxPending: at most K pending requests per requester, counted atomically in Redis (one key).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';

const LUA = new RedisScript(readFileSync(new URL('./scripts/pending-cap.lua', import.meta.url), 'utf8'));
/** A reservation not turned into a grant (the create failed) stops counting after this. */
const RESERVATION_MS = 30_000;

export interface PendingCap {
  /** A reservation token, or the number already pending when the cap is reached. */
  reserve(userId: string, max: number): Promise<{ ok: true; token: string } | { ok: false; pending: number }>;
  /** The reservation becomes the grant, counting until its decision window closes. */
  settle(userId: string, token: string, grantId: string, decideBy: number): Promise<void>;
}

export function createPendingCap(
  redis: Redis,
  prefix: string,
  isPending: (grantId: string) => Promise<boolean>,
  now: () => number = Date.now,
): PendingCap {
  const keyOf = (userId: string) => `${prefix}pending:{${userId}}`;
  return {
    async reserve(userId, max) {
      const key = keyOf(userId);
      const members = await redis.zrange(key, '0', '-1');
      const grants = members.filter((member) => !member.startsWith('r:'));
      const settled = await Promise.all(grants.map(async (id) => ((await isPending(id)) ? null : id)));
      const gone = settled.filter((id): id is string => id !== null);
      const token = `r:${randomBytes(9).toString('base64url')}`;
      const at = now();
      const reply = await LUA.run<[string, string?]>(
        redis,
        [key],
        [at, max, token, at + RESERVATION_MS, ...gone],
      );
      return reply[0] === 'ok' ? { ok: true, token } : { ok: false, pending: Number(reply[1]) };
    },
    async settle(userId, token, grantId, decideBy) {
      await redis.multi().zrem(keyOf(userId), token).zadd(keyOf(userId), decideBy, grantId).exec();
    },
  };
}
