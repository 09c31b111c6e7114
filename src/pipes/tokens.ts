// Provider access tokens from WorkOS Pipes, cached in memory until shortly before they expire.
import type { WorkOS } from '@workos-inc/node';
import { describeError, NotConnectedError, PipesUnavailableError } from './errors.js';

export interface PipesTokensOptions {
  /** Clock in epoch milliseconds; defaults to Date.now. */
  now?: () => number;
  /** Refetch this long before `expiresAt`, so a token never expires on its way upstream. Default 60 s. */
  refreshMarginMs?: number;
  /** How long to keep a token WorkOS gave no expiry for. Default 5 minutes. */
  fallbackTtlMs?: number;
  /** Past this many cached tokens, expired ones are swept on the next insert. Default 10 000. */
  maxEntries?: number;
}

interface CachedToken {
  token: string;
  refreshAt: number;
}

/** Only the part of the SDK we use, so tests can hand in a fake. */
export type PipesApi = Pick<WorkOS, 'pipes'>;

// Slugs go into a WorkOS URL path unescaped by the SDK, so anything else is a programming error.
const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class PipesTokens {
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly fallbackTtlMs: number;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly workos: PipesApi,
    options: PipesTokensOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.fallbackTtlMs = options.fallbackTtlMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cached token when one is live: no wait (and no turn given up at the work gate) for the common case. */
  cached(provider: string, userId: string, organizationId: string | null): string | undefined {
    const hit = this.cache.get(cacheKey(provider, userId, organizationId));
    return hit && this.now() < hit.refreshAt ? hit.token : undefined;
  }

  /**
   * A live access token for the user's connection to `provider`.
   * @throws NotConnectedError when the user has not connected it or must reconnect.
   * @throws PipesUnavailableError when WorkOS cannot be asked or answers unexpectedly.
   */
  async get(provider: string, userId: string, organizationId: string | null): Promise<string> {
    const key = cacheKey(provider, userId, organizationId);
    const hit = this.cache.get(key);
    if (hit && this.now() < hit.refreshAt) return hit.token;

    // Concurrent misses share one WorkOS round trip instead of stampeding it.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fetching: Promise<string> = this.fetch(provider, userId, organizationId).then(
      (entry) => {
        // Invalidated while we were fetching: hand the token to the waiting callers but do not keep it.
        if (this.inFlight.get(key) !== fetching) return entry.token;
        this.inFlight.delete(key);
        if (entry.refreshAt > this.now()) this.store(key, entry);
        return entry.token;
      },
      (error: unknown) => {
        if (this.inFlight.get(key) === fetching) this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, fetching);
    return fetching;
  }

  /**
   * Forget a token the provider rejected (HTTP 401), so the next call asks WorkOS again. Pass the
   * rejected token when known: if the cache already holds a newer one (another call refreshed it), it stays,
   * so a burst of 401s for one old token costs one refetch rather than one each.
   */
  invalidate(provider: string, userId: string, organizationId: string | null, rejectedToken?: string): void {
    const key = cacheKey(provider, userId, organizationId);
    const cached = this.cache.get(key);
    if (rejectedToken !== undefined && cached !== undefined && cached.token !== rejectedToken) return;
    this.cache.delete(key);
    // A fetch already under way may return the rejected token: detach it so its result is not cached.
    this.inFlight.delete(key);
  }

  /** Number of cached tokens (for metrics and tests). */
  get size(): number {
    return this.cache.size;
  }

  private async fetch(provider: string, userId: string, organizationId: string | null): Promise<CachedToken> {
    if (!SLUG.test(provider)) throw new TypeError('PipesTokens.get: provider must be a registry slug');
    let result: Awaited<ReturnType<WorkOS['pipes']['getAccessToken']>>;
    try {
      // Omitted rather than null for org-less users: the documented request leaves the field out.
      result = await this.workos.pipes.getAccessToken({
        provider,
        userId,
        organizationId: organizationId ?? undefined,
      });
    } catch (error) {
      // Only the exception's class name travels on: SDK messages may echo request details.
      throw new PipesUnavailableError(provider, describeError(error));
    }
    if (!result.active) {
      throw new NotConnectedError(
        result.error === 'needs_reauthorization' ? 'needs_reauthorization' : 'not_connected',
        provider,
      );
    }
    const token = result.accessToken?.accessToken;
    if (typeof token !== 'string' || token === '') {
      throw new PipesUnavailableError(provider, 'active token response without an access token');
    }
    const expiresAt = result.accessToken.expiresAt;
    const refreshAt =
      expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime())
        ? expiresAt.getTime() - this.refreshMarginMs
        : this.now() + this.fallbackTtlMs;
    return { token, refreshAt };
  }

  private store(key: string, entry: CachedToken): void {
    if (this.cache.size >= this.maxEntries) {
      const now = this.now();
      for (const [k, v] of this.cache) if (v.refreshAt <= now) this.cache.delete(k);
      // Still full of live tokens: drop the oldest insertions rather than grow without bound.
      for (const k of this.cache.keys()) {
        if (this.cache.size < this.maxEntries) break;
        this.cache.delete(k);
      }
    }
    this.cache.set(key, entry);
  }
}

function cacheKey(provider: string, userId: string, organizationId: string | null): string {
  return `${provider}\u0000${userId}\u0000${organizationId ?? ''}`;
}
