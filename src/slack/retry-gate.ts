// Slack's Retry-After, shared by every worker on every instance: once Slack answers 429, no job calls Slack
// again until the window has passed (the queue waits it out without spending attempts).
import webapi, { type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { RetryLater } from '../jobs/grant-jobs.js';
import { observeSlackCall, slackOutcome } from '../ops/slack-health.js';
import type { RedisClient as Redis } from '../redis/connections.js';

// Only ever moves the window later: a shorter Retry-After from a racing call must not shorten it.
const HOLD = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ms = tonumber(ARGV[1])
if until_ms > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;

export class SlackRetryGate {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long callers must still wait, in ms (0 when Slack may be called). */
  async waitMs(): Promise<number> {
    const until = Number((await this.redis.get(this.key)) ?? 0);
    return Math.max(0, until - this.now());
  }

  async hold(ms: number): Promise<void> {
    await this.redis.eval(HOLD, 1, this.key, String(this.now() + ms), String(ms));
  }
}

/**
 * A WebClient whose every call first respects the shared Retry-After window, and opens one on a 429. Calls
 * go out one at a time, so calls queued behind a 429 see its window instead of already being on the wire
 * (Slack's limits, about one post a second per channel, are far below what one caller at a time can send).
 */
export class GatedWebClient extends webapi.WebClient {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    token: string,
    options: WebClientOptions,
    private readonly gate: SlackRetryGate,
  ) {
    super(token, { ...options, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  }

  override apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const call = this.tail.then(() => this.gatedCall(method, options));
    this.tail = call.catch(() => undefined);
    return call;
  }

  private async gatedCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const wait = await this.gate.waitMs();
    if (wait > 0) {
      observeSlackCall(method, 'deferred');
      throw new RetryLater(wait);
    }
    try {
      const result = await super.apiCall(method, options);
      observeSlackCall(method, 'ok');
      return result;
    } catch (error) {
      observeSlackCall(method, slackOutcome(error));
      const e = error as { code?: string; retryAfter?: number };
      if (e.code !== 'slack_webapi_rate_limited_error') throw error;
      const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
      await this.gate.hold(ms);
      throw new RetryLater(ms);
    }
  }
}
