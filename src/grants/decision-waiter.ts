// Long-polling without polling: one shared subscription to the grant events channel wakes waiters by grant id.
import type { RedisClient as Redis } from '../redis/connections.js';
import type { Grant } from './types.js';

export interface DecisionWaiterOptions {
  /** Channel carrying `<grantId> <status>` after every write. */
  channel: string;
  /** Channel carrying `<grantId> <grant as stored>` when a pending grant is decided (before its `channel` line). */
  decisions?: string;
  /** Reads the current record with the clock applied (and persisted). */
  read: (id: string) => Promise<Grant | null>;
  /**
   * The decided grant from a `decisions` line, as `read` would answer it just after the decision; null when it
   * cannot say (the record is not one it can read, or the clock already moved it on), and the waiter reads.
   */
  decided?: (stored: string) => Grant | null;
  now: () => number;
  /** Connection for pub/sub; default a lazy `redis.duplicate()`, quit by close(). A given one is only unsubscribed. */
  subscriber?: Redis;
}

/** Ends one wait: with the decided grant when an event carried it; `byEvent` when a subscription message woke it. */
type Waker = (decided?: Grant, byEvent?: boolean) => void;

export class DecisionWaiter {
  /** Per grant id, its waiters' wake-ups: with the decided grant when an event carried it, else they read it. */
  private readonly waiters = new Map<string, Set<Waker>>();
  private subscriber: Redis | null = null;
  private listening: Promise<void> | null = null;
  /** What the waiter subscribes to: the events channel, and the decisions channel when there is one. */
  private readonly channels: string[];

  constructor(
    private readonly redis: Redis,
    private readonly options: DecisionWaiterOptions,
  ) {
    this.channels = [options.channel, ...(options.decisions ? [options.decisions] : [])];
  }

  /**
   * Resolves with the current record once the grant leaves pending, after `timeoutMs`, or on abort. `onWake` runs
   * right before that record is read again, in the same tick: what it sends to Redis shares the round trip. It is
   * told whether a message on the subscription woke the wait (a decision or a status line), rather than the timer,
   * the abort or close: what arrived on that connection before it has then been seen.
   */
  wait(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    onWake?: (byEvent: boolean) => void,
  ): Promise<Grant | null> {
    const { read } = this.options;
    if (signal?.aborted) return read(id);
    return new Promise<Grant | null>((resolve, reject) => {
      const wakers = this.waiters.get(id) ?? new Set<Waker>();
      this.waiters.set(id, wakers);
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      // Takes a thunk so nothing is started (or left rejected and unhandled) once the waiter has settled.
      const settle = (result: () => Promise<Grant | null>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', wakeToRead);
        wakers.delete(wake);
        if (wakers.size === 0 && this.waiters.get(id) === wakers) this.waiters.delete(id);
        result().then(resolve, reject);
      };
      const wake: Waker = (decided, byEvent = false) =>
        settle(() => {
          onWake?.(byEvent);
          // The decision itself, as the event carried it: no round trip to Redis before answering.
          return decided ? Promise.resolve(decided) : read(id);
        });
      const wakeToRead = () => wake();
      const deadline = Date.now() + Math.max(0, timeoutMs);
      timer = setTimeout(wakeToRead, Math.max(0, timeoutMs));
      wakers.add(wake);
      signal?.addEventListener('abort', wakeToRead, { once: true });
      // Subscribe first, then read: a decision made in between is then either in the read or in an event.
      this.listen()
        .then(() => (settled ? null : read(id)))
        .then((grant) => {
          if (settled) return;
          if (grant?.status !== 'pending') return settle(async () => grant);
          // Nobody publishes a decision window closing, so wake at decideBy and let the clock expire it.
          const untilExpiry = grant.decideBy - this.options.now() + 1;
          clearTimeout(timer);
          timer = setTimeout(wakeToRead, Math.max(0, Math.min(deadline - Date.now(), untilExpiry)));
        })
        .catch((error: unknown) => settle(() => Promise.reject(error)));
    });
  }

  /** Wakes every waiter with the current record and drops the subscription (quitting the connection we made). */
  async close(): Promise<void> {
    for (const wakers of [...this.waiters.values()]) for (const wake of [...wakers]) wake();
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.listening = null;
    if (!subscriber) return;
    subscriber.off('message', this.onMessage);
    if (this.options.subscriber) await subscriber.unsubscribe(...this.channels);
    else await subscriber.quit();
  }

  private listen(): Promise<void> {
    if (!this.listening) {
      // Both client kinds duplicate with no arguments; their option types differ, so TypeScript needs the hint.
      const subscriber = this.options.subscriber ?? (this.redis as { duplicate(): Redis }).duplicate();
      this.subscriber = subscriber;
      subscriber.on('message', this.onMessage);
      this.listening = subscriber.subscribe(...this.channels).then(
        () => undefined,
        (error: unknown) => {
          // Let the next waiter try again on a fresh subscription.
          subscriber.off('message', this.onMessage);
          if (!this.options.subscriber) subscriber.disconnect();
          this.subscriber = null;
          this.listening = null;
          throw error;
        },
      );
    }
    return this.listening;
  }

  private readonly onMessage = (channel: string, message: string) => {
    const space = message.indexOf(' ');
    if (space <= 0) return;
    const id = message.slice(0, space);
    const wakers = this.waiters.get(id);
    if (!wakers) return;
    if (channel === this.options.decisions) {
      const decided = this.decided(message.slice(space + 1));
      // Unreadable: the `<id> <status>` line that follows wakes them to read instead.
      if (decided?.id === id) for (const wake of [...wakers]) wake(decided, true);
      return;
    }
    if (channel !== this.options.channel || message.slice(space + 1).startsWith('pending')) return;
    for (const wake of [...wakers]) wake(undefined, true);
  };

  private decided(stored: string): Grant | null {
    try {
      return this.options.decided?.(stored) ?? null;
    } catch {
      return null;
    }
  }
}
