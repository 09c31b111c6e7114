// Slack's Retry-After, shared by every worker on every instance, per Web API method (Slack limits each method on
// its own) and per channel for the methods Slack paces per channel: one Lua script checks the gate's window and
// reserves the call, so no call starts once a 429's window is recorded anywhere, and at most one call per gate is
// on the wire across the fleet.
import webapi, { type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { asDeferral, RetryLater } from '../jobs/grant-jobs.js';
import { RedisScript } from '../lib/redis-script.js';
import { observeSlackCall, slackOutcome } from '../ops/slack-health.js';
import type { RedisClient as Redis } from '../redis/connections.js';

/*
 * Why one call per method on the wire, fleet-wide: a call already sent when another worker's 429 was answered
 * reaches Slack inside the window that 429 announced, and no check made before sending can prevent that. With
 * one call of a method in flight, the call that gets the 429 is the only one on the wire, and its worker records
 * the window and frees the slot in one script, so the next call of that method sees the window. It costs no
 * throughput Slack would grant: a call takes ~100 ms, so one at a time allows ~10 a second per method, above
 * every tier Countersign uses (chat.postMessage ~1/s per channel, chat.update 50+/min, views.publish 100+/min).
 * chat.postMessage and chat.update have one gate per channel: Slack paces them per channel, so a 429 for one
 * channel (a busy approvals channel) must not hold back another (the audit channel, a DM). Slack's 429 does not
 * say which limit it was, so a workspace-wide chat.update limit costs one 429 per channel instead of one.
 */

/** Slack paces these per channel (about one a second each): a 429 in one channel says nothing about another. */
const PER_CHANNEL_METHODS = new Set(['chat.postMessage', 'chat.update']);
/** A conversation or user id as Slack issues them (C…, D…, G…, U…); anything else keeps the method's own gate. */
const SLACK_ID = /^[A-Z0-9]{1,40}$/;

/**
 * The gate a call goes through: `<method>:<channel>` for the per-channel methods (so a 429 for channel A does not
 * hold back channel B), else the method alone.
 */
export function gateName(method: string, args?: Record<string, unknown>): string {
  const channel = args?.channel;
  if (PER_CHANNEL_METHODS.has(method) && typeof channel === 'string' && SLACK_ID.test(channel)) {
    return `${method}:${channel}`;
  }
  return method;
}

/**
 * KEYS[1] window: exists while the gate's Retry-After runs (its PTTL is the time left)
 * KEYS[2] slot:   the token of the gate's one call on the wire (its PTTL is the lease)
 * ARGV[1] token, ARGV[2] lease in ms
 * Returns {0, 0} reserved; {1, ms} inside Slack's window for ms more; {2, ms} another call is on the wire.
 */
const RESERVE = new RedisScript(`
local wait = redis.call('PTTL', KEYS[1])
if wait > 0 then return {1, wait} end
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return {2, held} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {0, 0}`);

/**
 * KEYS as RESERVE. ARGV[1] token, ARGV[2] Retry-After in ms (0: the call was not rate limited).
 * Opens the window (only ever later: a shorter Retry-After must not shorten it), then frees the slot if it is
 * still ours; both at once, so no call through the gate can start in between. Returns 1.
 */
const RELEASE = new RedisScript(`
local ms = tonumber(ARGV[2])
if ms > 0 and redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`);

export type Reservation = { kind: 'go'; token: string } | { kind: 'window' | 'busy'; ms: number };

let tokens = 0;

export class SlackRetryGate {
  /**
   * `base` is the key prefix of the gates (e.g. `cs:slack:retry-until`); each gate (a method, or a method and
   * channel: see gateName) has two keys under it. The methods below take a gate name.
   */
  constructor(
    private readonly redis: Redis,
    private readonly base: string,
  ) {}

  /** A gate's keys share a hash tag, so the scripts run on Redis Cluster too (and channels spread over slots). */
  private keys(gate: string): [string, string] {
    const tag = `${this.base}:{${gate}}`;
    return [`${tag}:window`, `${tag}:slot`];
  }

  /** One round trip: the gate's window, else its slot (held for at most `leaseMs` if never released). */
  async reserve(gate: string, leaseMs: number): Promise<Reservation> {
    const token = `${process.pid}.${++tokens}.${Math.random().toString(36).slice(2, 8)}`;
    const [code, ms] = await RESERVE.run<[number, number]>(this.redis, this.keys(gate), [token, leaseMs]);
    if (code === 0) return { kind: 'go', token };
    return { kind: code === 1 ? 'window' : 'busy', ms: Number(ms) };
  }

  /** Frees the slot, first opening the window when Slack answered 429 (`retryAfterMs` > 0). */
  async release(gate: string, token: string, retryAfterMs = 0): Promise<void> {
    await RELEASE.run(this.redis, this.keys(gate), [token, retryAfterMs]);
  }

  /** How long calls through `gate` must still wait, in ms (0 when Slack may be called). */
  async waitMs(gate: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys(gate)[0]));
  }

  /** Opens (or lengthens) the gate's window without a call, as a 429 would. */
  async hold(gate: string, ms: number): Promise<void> {
    await this.release(gate, '', ms);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A WebClient whose every call goes through its gate (gateName): inside the gate's Retry-After window it throws
 * RetryLater (the job waits without spending attempts); while another call through the gate is on the wire it
 * waits its turn; a 429 opens the window for every worker. Calls through one gate queue up in the process, so
 * only one of them at a time polls the fleet-wide slot.
 */
export class GatedWebClient extends webapi.WebClient {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** A crashed holder's slot frees itself after the longest a call can take, plus a margin. */
  private readonly leaseMs: number;

  constructor(
    token: string,
    options: WebClientOptions,
    private readonly gate: SlackRetryGate,
  ) {
    super(token, { ...options, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    this.leaseMs = (options.timeout || 30_000) + 5_000;
  }

  override apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const gate = gateName(method, options);
    const call = (this.tails.get(gate) ?? Promise.resolve()).then(() =>
      this.gatedCall(method, gate, options),
    );
    const tail = call.catch(() => undefined);
    this.tails.set(gate, tail);
    // Forget a settled queue so the map does not keep one promise per gate forever.
    void tail.then(() => {
      if (this.tails.get(gate) === tail) this.tails.delete(gate);
    });
    return call;
  }

  private async reserve(method: string, gate: string): Promise<string> {
    const started = Date.now();
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const slot = await this.gate.reserve(gate, this.leaseMs);
      if (slot.kind === 'go') return slot.token;
      if (slot.kind === 'window') {
        observeSlackCall(method, 'deferred');
        throw new RetryLater(slot.ms);
      }
      // Another worker's call is on the wire; it ends within its lease, so this wait is bounded.
      if (Date.now() - started > this.leaseMs) throw new RetryLater(pause);
      await sleep(Math.min(pause, slot.ms));
    }
  }

  private async gatedCall(
    method: string,
    gate: string,
    options?: Record<string, unknown>,
  ): Promise<WebAPICallResult> {
    const token = await this.reserve(method, gate);
    try {
      const result = await super.apiCall(method, options);
      observeSlackCall(method, 'ok');
      // Not awaited: the caller needs no answer, and this connection runs it before any later reserve it sends.
      this.gate.release(gate, token).catch(() => undefined);
      return result;
    } catch (error) {
      observeSlackCall(method, slackOutcome(error));
      const deferral = asDeferral(error);
      if (!deferral) {
        this.gate.release(gate, token).catch(() => undefined);
        throw error;
      }
      await this.gate.release(gate, token, deferral.delayMs);
      throw deferral;
    }
  }
}
