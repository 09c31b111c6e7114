// The Web API's failure switches: outages (5xx and the like), one-shot 429s, fixed-window rate limits as
// Slack's tiers apply them (on by default), held replies, and the check that clients waited out the Retry-After
// they were given.
import { STATUS_CODES } from 'node:http';
import { DEFAULT_CHANNEL_LIMITS, DEFAULT_METHOD_LIMITS } from './tiers.js';
import type { SlackApiCall, SlackOutage, SlackRateLimitRule } from './types.js';

interface Outage {
  status: number;
  remaining: number;
  untilMs: number;
}

interface OneShot {
  retryAfterSeconds: number;
  remaining: number;
}

interface FixedWindow {
  perWindow: number;
  windowMs: number;
  start: number;
  used: number;
}

/** Arrivals this close to a Retry-After window's end are not counted: timers and ms clocks round. */
export const RETRY_AFTER_GRACE_MS = 10;

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** A reply to hold back: the call is carried out, its answer waits (a client that dies never learns it). */
export interface HeldReply {
  method: string;
  match: (args: Record<string, unknown>) => boolean;
  arrived: (call: { method: string; args: Record<string, unknown> }) => void;
  released: Promise<void>;
}

export class TrafficControl {
  private readonly holds: HeldReply[] = [];
  private readonly outages = new Map<string, Outage>();
  private readonly oneShots = new Map<string, OneShot>();
  private readonly windows = new Map<string, FixedWindow>();
  /** Per `<method> <channel>`, created on first use from DEFAULT_CHANNEL_LIMITS. */
  private readonly channelWindows = new Map<string, FixedWindow>();
  /** Per-channel pacing of chat.postMessage / chat.update (Slack's; on unless a test turns it off). */
  private channelPacing = true;

  constructor() {
    for (const [method, rule] of Object.entries(DEFAULT_METHOD_LIMITS)) this.setLimit(method, rule);
  }

  setOutage(method: string, mode: SlackOutage | null): void {
    if (!mode) {
      this.outages.delete(method);
      return;
    }
    const status = mode.status ?? 500;
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new Error(`outage status must be an HTTP error status (400-599), got ${status}`);
    }
    if (mode.times !== undefined && !isCount(mode.times)) {
      throw new Error(`outage times must be a whole number, got ${mode.times}`);
    }
    if (mode.untilMs !== undefined && !Number.isFinite(mode.untilMs)) {
      throw new Error(`outage untilMs must be epoch ms, got ${mode.untilMs}`);
    }
    this.outages.set(method, {
      status,
      remaining: mode.times ?? Number.POSITIVE_INFINITY,
      untilMs: mode.untilMs ?? Number.POSITIVE_INFINITY,
    });
  }

  setRateLimit(method: string, limit: { retryAfterSeconds?: number; times?: number } | null): void {
    if (!limit) this.oneShots.delete(method);
    else {
      this.oneShots.set(method, {
        retryAfterSeconds: Math.max(0, Math.round(limit.retryAfterSeconds ?? 1)),
        remaining: limit.times ?? Number.POSITIVE_INFINITY,
      });
    }
  }

  /** A test's own limit for the method; null puts Slack's default tier back (there is no "off"). */
  /** Turns Slack's per-channel pacing off (or back on, afresh) for the whole workspace. */
  setChannelPacing(on: boolean): void {
    this.channelPacing = on;
    this.channelWindows.clear();
  }

  setLimit(method: string, rule: SlackRateLimitRule | null): void {
    if (!rule) {
      this.windows.delete(method);
      const tier = DEFAULT_METHOD_LIMITS[method];
      if (tier) this.setLimit(method, tier);
      return;
    }
    if (!isCount(rule.perWindow))
      throw new Error(`limit perWindow must be a whole number, got ${rule.perWindow}`);
    if (!(Number.isFinite(rule.windowSeconds) && rule.windowSeconds > 0)) {
      throw new Error(`limit windowSeconds must be positive, got ${rule.windowSeconds}`);
    }
    this.windows.set(method, {
      perWindow: rule.perWindow,
      windowMs: rule.windowSeconds * 1000,
      start: Number.NEGATIVE_INFINITY,
      used: 0,
    });
  }

  holdReply(hold: HeldReply): void {
    this.holds.push(hold);
  }

  /** The hold this call's answer must wait for (used up), or null. */
  takeHold(method: string, args: Record<string, unknown>): HeldReply | null {
    const index = this.holds.findIndex((h) => h.method === method && h.match(args));
    if (index < 0) return null;
    const [hold] = this.holds.splice(index, 1);
    return hold ?? null;
  }

  /** The status an outage answers this call with (using up one of its `times`), or null when none is on. */
  outageStatus(method: string, now: number): number | null {
    for (const key of [method, '*']) {
      const outage = this.outages.get(key);
      if (!outage) continue;
      if (now >= outage.untilMs || outage.remaining <= 0) {
        this.outages.delete(key);
        continue;
      }
      outage.remaining -= 1;
      if (outage.remaining <= 0) this.outages.delete(key);
      return outage.status;
    }
    return null;
  }

  /**
   * Retry-After seconds when the call is refused with 429; null when it goes through (and counts against the
   * method's window and, for per-channel methods, the channel's).
   */
  admit(method: string, now: number, channel?: string): number | null {
    const shot = this.oneShots.get(method);
    if (shot && shot.remaining > 0) {
      shot.remaining -= 1;
      if (shot.remaining <= 0) this.oneShots.delete(method);
      return shot.retryAfterSeconds;
    }
    const windows = [this.windows.get(method), this.channelWindow(method, channel)].filter(
      (w): w is FixedWindow => w !== undefined,
    );
    for (const window of windows) {
      if (now >= window.start + window.windowMs) {
        window.start = now;
        window.used = 0;
      }
    }
    const full = windows.find((w) => w.used >= w.perWindow);
    if (full) {
      // Rounded up, so a client that waits this long arrives in the next window.
      return Math.max(1, Math.ceil((full.start + full.windowMs - now) / 1000));
    }
    for (const window of windows) window.used += 1;
    return null;
  }

  private channelWindow(method: string, channel: string | undefined): FixedWindow | undefined {
    const rule = DEFAULT_CHANNEL_LIMITS[method];
    if (!rule || !channel || !this.channelPacing) return undefined;
    const key = `${method} ${channel}`;
    let window = this.channelWindows.get(key);
    if (!window) {
      window = {
        perWindow: rule.perWindow,
        windowMs: rule.windowSeconds * 1000,
        start: Number.NEGATIVE_INFINITY,
        used: 0,
      };
      this.channelWindows.set(key, window);
    }
    return window;
  }
}

/**
 * Calls that arrived inside a Retry-After window announced earlier by a 429 for the same method to the
 * same token (429s inside a window included); for the methods Slack paces per channel, to the same channel too
 * (Slack's 429 does not say which limit it hit, and it limits these per channel). Calls are in arrival order, so
 * one pass suffices.
 */
export function retryAfterViolations(
  calls: readonly SlackApiCall[],
  method: string | undefined,
  graceMs = RETRY_AFTER_GRACE_MS,
): SlackApiCall[] {
  const windowEnd = new Map<string, number>();
  const violations: SlackApiCall[] = [];
  for (const call of calls) {
    if (method !== undefined && call.method !== method) continue;
    const channel = DEFAULT_CHANNEL_LIMITS[call.method] ? ` ${String(call.args.channel)}` : '';
    const key = `${call.tokenKind} ${call.method}${channel}`;
    const end = windowEnd.get(key);
    if (end !== undefined && call.at < end - graceMs) violations.push(call);
    if (call.status === 429 && call.retryAfter !== undefined) {
      windowEnd.set(key, Math.max(end ?? 0, call.at + call.retryAfter * 1000));
    }
  }
  return violations;
}

/** What Slack's edge answers when the API is down: a small HTML page, not JSON. */
export function outagePage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}
