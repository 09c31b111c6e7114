// Once-marks per grant and effect (an audit line, a reminder, a final re-render), so jobs that run again after a
// crash or a lapsed lease do not repeat an effect. Not Slack-specific: jobs also run without Slack.
import type { RedisClient as Redis } from '../redis/connections.js';

const DONE = 'done';
const BUSY = 'busy';

export type OnceState = 'go' | 'busy' | 'done';

export class OnceMarks {
  constructor(
    private readonly redis: Redis,
    /** Keys are `<prefix>:<grantId>:<effect>`; under the queue's hash-tagged prefix like the rest of the jobs. */
    private readonly prefix: string,
  ) {}

  private key(grantId: string, effect: string) {
    return `${this.prefix}:${grantId}:${effect}`;
  }

  /**
   * Marks the effect done before performing it (at most once): true for the one caller that should perform it.
   * For effects that cannot be lost by a crash between the mark and the effect, or where losing one is better
   * than repeating it.
   */
  async first(grantId: string, effect: string, keepMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(grantId, effect), DONE, 'PX', keepMs, 'NX')) === 'OK';
  }

  /**
   * Takes the effect for `holdMs` (at least once): 'go' to perform it and then call done() (or release() when
   * it failed); 'done' when it was performed; 'busy' while someone else holds it. A holder that died lets go
   * when its hold runs out, and the effect is performed again: only a crash between the effect and done()
   * repeats it.
   */
  async begin(grantId: string, effect: string, holdMs: number): Promise<OnceState> {
    const key = this.key(grantId, effect);
    if ((await this.redis.set(key, BUSY, 'PX', holdMs, 'NX')) === 'OK') return 'go';
    return (await this.redis.get(key)) === DONE ? 'done' : 'busy';
  }

  async done(grantId: string, effect: string, keepMs: number): Promise<void> {
    await this.redis.set(this.key(grantId, effect), DONE, 'PX', keepMs);
  }

  async isDone(grantId: string, effect: string): Promise<boolean> {
    return (await this.redis.get(this.key(grantId, effect))) === DONE;
  }

  /** Gives a taken effect back after it failed, so the retry performs it. */
  async release(grantId: string, effect: string): Promise<void> {
    await this.redis.del(this.key(grantId, effect));
  }
}
