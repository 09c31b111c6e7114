// Where a grant's Slack message was posted, told as it happens: the script that records the message publishes
// `<grantId> <channel>` (message-refs.ts), and a long poll that began before the post learns it here. Once the
// decision comes, its answer (which says whether and where the message is) then needs no read from Redis: under
// load every read waits its turn on a busy event loop, and that read was most of the time from decision to answer.
// Pub/sub can miss a line (a reconnect, a subscription still on its way): a watch then says it may have missed one,
// and its owner reads, as before.
import { isCluster, type RedisClient as Redis } from '../redis/connections.js';

export interface PostedWatch {
  /** The Slack channel of the grant's message once a notice said it was posted; null before. */
  readonly channel: string | null;
  /**
   * Whether every notice published since the watch began has been heard, in publication order with the decision
   * events: then a watch that heard none, asked right after a decision, knows nothing was posted before it.
   */
  complete(): boolean;
  stop(): void;
}

export class PostedNotices {
  /** Per grant id, the watches waiting to learn where its message went. */
  readonly #watchers = new Map<string, Set<(channel: string) => void>>();
  #listening = false;
  /** Subscribed, and no notice missed since: the subscription reply came and the connection has not dropped. */
  #live = false;
  /** Connection drops so far: a watch that began before one may have missed a notice meanwhile. */
  #drops = 0;
  /**
   * A single Redis delivers a connection's messages in publication order. A cluster forwards each node's publishes
   * over its bus in no order guaranteed against another node's (the decision's), so there a watch is never complete.
   */
  readonly #ordered: boolean;

  /**
   * `subscriber` is a pub/sub connection it shares (it only subscribes and unsubscribes its own channel). For a
   * complete watch to mean anything it must be the connection the decision events arrive on.
   */
  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {
    this.#ordered = !isCluster(subscriber);
  }

  /** Listens for the grant's notice from now on, until stopped. */
  watch(grantId: string): PostedWatch {
    this.#listen();
    const watchers = this.#watchers.get(grantId) ?? new Set<(channel: string) => void>();
    this.#watchers.set(grantId, watchers);
    const liveAtStart = this.#live && this.#ordered;
    const drops = this.#drops;
    const watch = {
      channel: null as string | null,
      complete: () => liveAtStart && this.#drops === drops,
      stop: () => {
        watchers.delete(heard);
        if (watchers.size === 0 && this.#watchers.get(grantId) === watchers) this.#watchers.delete(grantId);
      },
    };
    const heard = (channel: string) => {
      watch.channel = channel;
    };
    watchers.add(heard);
    return watch;
  }

  async close(): Promise<void> {
    this.#watchers.clear();
    if (!this.#listening) return;
    this.#listening = false;
    this.#live = false;
    this.subscriber.off('message', this.#onMessage);
    this.subscriber.off('close', this.#onDrop);
    this.subscriber.off('ready', this.#subscribe);
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.subscriber.on('message', this.#onMessage);
    this.subscriber.on('close', this.#onDrop);
    // ioredis subscribes again after a reconnect; asking here too says when it is done.
    this.subscriber.on('ready', this.#subscribe);
    this.#subscribe();
  }

  readonly #subscribe = (): void => {
    const drops = this.#drops;
    this.subscriber.subscribe(this.channel).then(
      () => {
        if (this.#listening && this.#drops === drops) this.#live = true;
      },
      // Not live: watches read instead, until the connection is ready again (and this runs again).
      () => undefined,
    );
  };

  readonly #onDrop = (): void => {
    this.#live = false;
    this.#drops++;
  };

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    const space = message.indexOf(' ');
    if (space <= 0) return;
    const watchers = this.#watchers.get(message.slice(0, space));
    if (!watchers) return;
    const posted = message.slice(space + 1);
    for (const heard of [...watchers]) heard(posted);
  };
}
