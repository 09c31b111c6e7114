// Where a long poll's request message is (its Slack delivery), known when the decision comes without a read if it
// can be: a message, once posted, stays where it was posted, so what the first read saw still holds, and a post
// after it is told by the posted notices (slack/posted-notices.ts), watched from before that read.
import type { PostedWatch } from '../slack/posted-notices.js';
import type { SlackDelivery } from './grant-view.js';
import type { ToolDeps } from './tool-kit.js';

export class DeliveryTracker {
  /** What the read at the start saw; undefined without Slack. */
  readonly #seen: Promise<SlackDelivery | undefined>;
  readonly #watch: PostedWatch | undefined;
  /** The read a wake-up started, when nothing told where the message is. */
  #woken: Promise<SlackDelivery> | undefined;
  #seenNow: SlackDelivery | undefined;
  /**
   * Woken by a message on the subscription the notices share: every notice published before it has been heard,
   * so silence means no post. Not after a timer, an abort, or a decision found by a read on another connection.
   * Null until a wait has ended.
   */
  #wokenByEvent: boolean | null = null;

  /** Starts watching (when the call may wait), then reads: a post after the read is then heard of. */
  constructor(
    private readonly deps: Pick<ToolDeps, 'slackDelivery' | 'watchDelivery'>,
    private readonly grantId: string,
    mayWait: boolean,
  ) {
    this.#watch = mayWait ? deps.watchDelivery?.(grantId) : undefined;
    this.#seen = Promise.resolve(deps.slackDelivery?.(grantId)).then((seen) => {
      this.#seenNow = seen;
      return seen;
    });
  }

  /** The read at the start (share its round trip with the grant's own read). */
  seen(): Promise<SlackDelivery | undefined> {
    return this.#seen;
  }

  /** Right before the wait's grant is read again: reads where the message is unless it is known. */
  readonly onWake = (byEvent: boolean): void => {
    this.#wokenByEvent = byEvent;
    this.#woken = undefined;
    if (this.#known() !== undefined) return;
    this.#woken = this.deps.slackDelivery?.(this.grantId);
    // Awaited only after the wait ends; a failure meanwhile is not left unhandled.
    this.#woken?.catch(() => undefined);
  };

  /**
   * Where the message is now: without a wait, what the first read saw; after one, what is known, else what the
   * wake-up's read (or a read now) says. Null without Slack.
   */
  async now(): Promise<SlackDelivery | null> {
    const seen = await this.#seen;
    if (seen === undefined) return null;
    // Nothing waited (and nothing watched): the first read is as new as the grant's.
    if (this.#wokenByEvent === null && this.#watch === undefined) return seen;
    return this.#known() ?? (await (this.#woken ?? this.deps.slackDelivery?.(this.grantId))) ?? null;
  }

  stop(): void {
    this.#watch?.stop();
  }

  /**
   * Posted when first read, or told since; or not posted, when woken by an event on a watch that missed no notice
   * since the first read (the notices and the events come in publication order on one connection).
   */
  #known(): SlackDelivery | undefined {
    const seen = this.#seenNow;
    if (seen?.delivered) return seen;
    const channel = this.#watch?.channel ?? null;
    if (channel !== null) return { delivered: true, channel };
    return seen !== undefined && this.#wokenByEvent === true && this.#watch?.complete() ? seen : undefined;
  }
}
