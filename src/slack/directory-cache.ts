// Slack lookups cached in two levels, this process then Redis (shared by every instance), keeping stale answers for when Slack fails.
import type { RedisClient as Redis } from '../redis/connections.js';

/** What Slack answered, and when: freshness is judged on read, so each level can keep the answer longer than it is fresh. */
interface Answer<T> {
  v: T;
  at: number;
}

export interface SharedCacheOptions {
  /** Without Redis only this process remembers (tests, tools). */
  redis?: Redis | null;
  /** Key prefix, e.g. `cs:slack:dir:`. */
  prefix?: string;
  /**
   * How long an answer is kept after it stopped being fresh, to be served while Slack errors (default 24 h).
   * Bounds how out of date a decision taken during an outage can be.
   */
  staleForMs?: number;
  /** Entries this process keeps before forgetting the oldest (default 10,000). */
  maxLocal?: number;
  now?: () => number;
  /** Told when Redis could not be read or written; the lookup goes on without it. */
  onRedisError?: (error: unknown) => void;
  /** Told when Slack failed and an old answer was served instead (how old, in ms). */
  onStale?: (key: string, ageMs: number, error: unknown) => void;
}

export class SharedCache {
  private readonly local = new Map<string, Answer<unknown>>();
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly redis: Redis | null;
  private readonly prefix: string;
  private readonly staleForMs: number;
  private readonly maxLocal: number;
  private readonly now: () => number;
  private readonly onRedisError: (error: unknown) => void;
  private readonly onStale: (key: string, ageMs: number, error: unknown) => void;

  constructor(options: SharedCacheOptions = {}) {
    this.redis = options.redis ?? null;
    this.prefix = options.prefix ?? '';
    this.staleForMs = options.staleForMs ?? 24 * 3_600_000;
    this.maxLocal = options.maxLocal ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onRedisError = options.onRedisError ?? (() => undefined);
    this.onStale = options.onStale ?? (() => undefined);
  }

  /**
   * The answer for `key`: from this process or Redis while fresh (`freshMs` of the value), else from `load`
   * (one load per key at a time in this process). When `load` fails, the last answer is served however old,
   * within `staleForMs`; without one the error is thrown.
   */
  async get<T>(key: string, freshMs: (value: T) => number, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const mine = this.local.get(key) as Answer<T> | undefined;
    if (mine && now - mine.at < freshMs(mine.v)) return mine.v;
    const shared = await this.read<T>(key);
    const known = newest(mine, shared);
    if (known && now - known.at < freshMs(known.v)) {
      this.remember(key, known);
      return known.v;
    }
    const inFlight = this.loading.get(key) as Promise<T> | undefined;
    if (inFlight) return inFlight;
    const loaded = this.fetch(key, load, known);
    this.loading.set(key, loaded);
    try {
      return await loaded;
    } finally {
      this.loading.delete(key);
    }
  }

  private async fetch<T>(key: string, load: () => Promise<T>, known: Answer<T> | undefined): Promise<T> {
    let value: T;
    try {
      value = await load();
    } catch (error) {
      const age = known ? this.now() - known.at : Number.POSITIVE_INFINITY;
      if (known && age < this.staleForMs) {
        this.onStale(key, age, error);
        return known.v;
      }
      throw error;
    }
    const answer = { v: value, at: this.now() };
    this.remember(key, answer);
    await this.write(key, answer);
    return value;
  }

  private remember(key: string, answer: Answer<unknown>) {
    this.local.delete(key);
    this.local.set(key, answer);
    if (this.local.size > this.maxLocal) this.local.delete(this.local.keys().next().value as string);
  }

  private async read<T>(key: string): Promise<Answer<T> | undefined> {
    if (!this.redis) return undefined;
    try {
      const raw = await this.redis.get(this.prefix + key);
      if (raw === null) return undefined;
      const parsed = JSON.parse(raw) as Answer<T>;
      return typeof parsed?.at === 'number' && 'v' in parsed ? parsed : undefined;
    } catch (error) {
      this.onRedisError(error);
      return undefined;
    }
  }

  private async write(key: string, answer: Answer<unknown>) {
    if (!this.redis) return;
    try {
      await this.redis.set(this.prefix + key, JSON.stringify(answer), 'PX', this.staleForMs);
    } catch (error) {
      this.onRedisError(error);
    }
  }
}

function newest<T>(a: Answer<T> | undefined, b: Answer<T> | undefined): Answer<T> | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.at > a.at ? b : a;
}
