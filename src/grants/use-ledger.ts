// The per-call path of the store: authorize and count a call in one script, and batch the calls' outcomes
// (status classes for the Slack message's usage line) into one write per grant per flush.
import { readFileSync } from 'node:fs';
import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { DecodedGrants } from './decoded-grants.js';
import type { GrantKeys, SessionRef } from './keys.js';
import type { UseAuthorization, UseNeed } from './store-api.js';
import { decodeGrant, unexpectedReply } from './store-codec.js';

const AUTHORIZE_USE = new RedisScript(
  readFileSync(new URL('./scripts/authorize-use.lua', import.meta.url), 'utf8'),
);

/**
 * How long outcomes wait in memory before they are written. A process that crashes loses at most this long of
 * status-class counts (never the call count, which the authorizing script writes); close() writes the rest.
 */
export const OUTCOME_FLUSH_MS = 1_000;

export type AuthorizeReply =
  | { code: 'ok'; grant: UseAuthorization & { ok: true } }
  | { code: 'none' }
  | { code: 'stale' }
  | { code: 'refused'; result: UseAuthorization & { ok: false } };

interface PendingOutcomes {
  byClass: Map<string, number>;
  last: number;
}

export class UseLedger {
  private pending = new Map<string, PendingOutcomes>();
  private timer: NodeJS.Timeout | null = null;
  private readonly grants = new DecodedGrants();

  constructor(
    private readonly redis: Redis,
    private readonly keys: GrantKeys,
    private readonly retentionMs: number,
    private readonly flushMs = OUTCOME_FLUSH_MS,
  ) {}

  /** One EVALSHA: the session's approved broad grant, checked for the call and counted when it passes. */
  async authorize(
    caller: SessionRef & { userId: string },
    need: UseNeed,
    now: number,
  ): Promise<AuthorizeReply> {
    const sessionKey = this.keys.session(caller);
    const base = sessionKey.slice(0, -'session'.length);
    const reply = await AUTHORIZE_USE.run<unknown>(
      this.redis,
      [sessionKey],
      [caller.userId, base, need.provider, need.level, now, this.retentionMs],
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw unexpectedReply(reply);
    const [code, first, second] = reply as string[];
    if (code === 'ok' && first && second)
      return { code, grant: { ok: true, grant: this.grants.decode(sessionKey, first, second) } };
    if (code === 'none' || code === 'stale') return { code };
    if (code === 'refused' && (first === 'provider_not_granted' || first === 'write_not_granted') && second) {
      return { code, result: { ok: false, code: first, grant: decodeGrant(second, null) } };
    }
    throw unexpectedReply(reply);
  }

  /** Adds one upstream answer to the grant's usage hash at the next flush. */
  recordOutcome(grantId: string, outcome: { status: number; at: number }): void {
    let entry = this.pending.get(grantId);
    if (!entry) {
      entry = { byClass: new Map(), last: 0 };
      this.pending.set(grantId, entry);
    }
    const statusClass = `${Math.floor(outcome.status / 100)}xx`;
    entry.byClass.set(statusClass, (entry.byClass.get(statusClass) ?? 0) + 1);
    entry.last = Math.max(entry.last, outcome.at);
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.flushMs).unref();
  }

  /**
   * Writes what is pending: per grant its class increments, `last` and the expiry, each a single-key command
   * sent without waiting on the others (auto-pipelining sends them together).
   */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    const writes: Array<Promise<unknown>> = [];
    for (const [grantId, entry] of batch) {
      const key = this.keys.usage(grantId);
      if (!key) continue;
      for (const [statusClass, n] of entry.byClass) writes.push(this.redis.hincrby(key, statusClass, n));
      writes.push(this.redis.hset(key, 'last', String(entry.last)));
      writes.push(this.redis.pexpire(key, this.retentionMs));
    }
    await Promise.all(writes);
  }
}
