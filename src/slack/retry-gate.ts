// Slack's Retry-After, shared by every worker on every instance, per Web API method (Slack limits each method on
// its own) and per channel for the methods Slack paces per channel: one Lua script checks the gate's window and
// reserves the call, so no call starts once a 429's window is recorded anywhere, and at most one call per gate is
// on the wire across the fleet. chat.postMessage's gates also keep a line, so a burst of posts into one channel
// goes out in order, each post deferred once instead of racing the others at every window's end.
import { RedisScript } from '../lib/redis-script.js';
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
 *
 * Why a line for posts: Slack lets about one message a second into a channel. Without a line, every post
 * deferred by a window wakes when it ends, one of them goes and the rest are deferred again, so a burst of N
 * posts ran about N²/2 times and reached the channel in no particular order. With the line, a deferred call is
 * given a turn, one pace after the turn before it (never inside the window), and its job comes back at that
 * turn holding it (src/jobs/slack-turn.ts); a call that comes just as a turn is due queues behind the line, and a
 * new window moves the turns it covers past its end, in order. A turn nobody comes back for (the job found nothing
 * left to post) holds others back for one pace at most.
 */

/** Slack paces these per channel (about one a second each): a 429 in one channel says nothing about another. */
const PER_CHANNEL_METHODS = new Set(['chat.postMessage', 'chat.update']);
/** A conversation or user id as Slack issues them (C…, D…, G…, U…); anything else keeps the method's own gate. */
const SLACK_ID = /^[A-Z0-9]{1,40}$/;

/**
 * The gap between turns in a channel's line: Slack's pace for chat.postMessage into one channel ("1 message per
 * second", bursts aside) and a tenth more, since jobs come back a little late by varying amounts and posts exactly
 * a second apart often fell inside Slack's window (8 of 30 got a 429 in the bench; at 1.1 s, one). chat.update
 * keeps no line: its binding limit is usually the workspace's tier (50+ a minute, in bursts), which a line at one
 * a second would slow down for nothing.
 */
export const CHANNEL_PACE_MS = 1_100;

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

/** The gates with a line: chat.postMessage's per channel (gateName). */
const hasLine = (gate: string) => gate.startsWith('chat.postMessage:');

/**
 * Both scripts' common part. KEYS[3] is the line: a sorted set of the deferred calls' tokens, scored by their
 * turn (Redis' clock, epoch ms), one pace apart at least. `pushFrom(start)` moves the turns that come before
 * `start` (a window's end) to it and after, in order, a pace apart. `turnAfter(wait, member)` queues `member` at
 * the end of the line (so its turn is the line's last), no sooner than `wait` ms from now, and returns how long
 * from now that is. Turns a minute
 * past, whose callers never came back, are dropped first; the line itself lasts a minute past its last turn.
 */
const LINE = `
local pace = tonumber(ARGV[3])
local now = 0
if pace > 0 then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 60000)
end
local function keepUntilLast()
  local last = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', KEYS[3], math.max(1, tonumber(last[2]) - now + 60000)) end
end
local function pushFrom(start)
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if not first[2] or tonumber(first[2]) >= start then return end
  local turns = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  local at = start - pace
  for i = 1, #turns, 2 do
    if tonumber(turns[i + 1]) >= at + pace then break end
    at = at + pace
    redis.call('ZADD', KEYS[3], at, turns[i])
  end
  keepUntilLast()
end
local function turnAfter(wait, member)
  redis.call('ZREM', KEYS[3], member)
  local at = now + wait
  local last = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if last[2] then at = math.max(at, tonumber(last[2]) + pace) end
  redis.call('ZADD', KEYS[3], at, member)
  redis.call('PEXPIRE', KEYS[3], at - now + 60000)
  return at - now
end`;

/**
 * KEYS[1] window: exists while the gate's Retry-After runs (its PTTL is the time left)
 * KEYS[2] slot:   the token of the gate's one call on the wire (its PTTL is the lease)
 * KEYS[3] line:   the deferred calls' turns (see LINE); only gates with a pace have one
 * ARGV[1] token, ARGV[2] lease in ms, ARGV[3] pace in ms (0: no line), ARGV[4] the caller's turn token, or ''
 * Returns {0, 0} reserved; {1, ms, member} deferred for ms (member: its turn's token, '' without a line);
 * {2, ms} another call is on the wire.
 * A caller holding a turn goes when it has come (half a pace early at most) and no window is open; before, it is
 * told to wait for it, keeping its place. A caller without goes too, unless a window is open or a turn is due
 * within half a pace either side of now (its job is on the way): then it queues at the end of the line. Between
 * turns Slack's burst allowance is used as it comes; a caller that gets a 429 that way joins the line.
 */
const RESERVE = new RedisScript(`${LINE}
local wait = redis.call('PTTL', KEYS[1])
if pace > 0 and wait > 0 then pushFrom(now + wait) end
local held = pace > 0 and ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4])
if held then
  local ms = math.max(tonumber(held) - now, wait)
  if wait > 0 or ms > math.floor(pace / 2) then return {1, math.max(1, ms), ARGV[4]} end
else
  local queue = wait > 0
  if pace > 0 and not queue then
    local half = math.floor(pace / 2)
    queue = #redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. (now - half), now + half, 'LIMIT', 0, 1) > 0
  end
  if queue then
    if pace == 0 then return {1, wait, ''} end
    return {1, turnAfter(math.max(wait, 0), ARGV[1]), ARGV[1]}
  end
end
local busy = redis.call('PTTL', KEYS[2])
if busy > 0 then return {2, busy} end
if held then redis.call('ZREM', KEYS[3], ARGV[4]) end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {0, 0}`);

/**
 * KEYS as RESERVE. ARGV[1] token, ARGV[2] Retry-After in ms (0: the call was not rate limited), ARGV[3] pace.
 * Opens the window (only ever later: a shorter Retry-After must not shorten it), then frees the slot if it is
 * still ours; both at once, so no call through the gate can start in between. In a gate with a line, the turns
 * the window covers move past it, in order, and the rate-limited call is queued at the end under its token.
 * Returns {ms, queued}: how long the call waits (the Retry-After, or until its turn), and 1 when it was queued.
 */
const RELEASE = new RedisScript(`${LINE}
local ms = tonumber(ARGV[2])
if ms > 0 and redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if ms > 0 and pace > 0 then
  local wait = redis.call('PTTL', KEYS[1])
  pushFrom(now + wait)
  if ARGV[1] ~= '' then return {turnAfter(wait, ARGV[1]), 1} end
end
return {ms, 0}`);

export type Reservation =
  | { kind: 'go'; token: string }
  | { kind: 'busy'; ms: number }
  /** Deferred for `ms`; `turn` is the token of its place in the gate's line, when the gate has one. */
  | { kind: 'window'; ms: number; turn?: string };

let tokens = 0;

export class SlackRetryGate {
  /**
   * `base` is the key prefix of the gates (e.g. `cs:slack:retry-until`); each gate (a method, or a method and
   * channel: see gateName) has its keys under it. The methods below take a gate name. `paceMs` is the gap
   * between turns in a channel's line of posts (default CHANNEL_PACE_MS).
   */
  constructor(
    private readonly redis: Redis,
    private readonly base: string,
    private readonly paceMs = CHANNEL_PACE_MS,
  ) {}

  /** A gate's keys share a hash tag, so the scripts run on Redis Cluster too (and channels spread over slots). */
  private keys(gate: string): [string, string, string] {
    const tag = `${this.base}:{${gate}}`;
    return [`${tag}:window`, `${tag}:slot`, `${tag}:line`];
  }

  private pace(gate: string): number {
    return hasLine(gate) ? this.paceMs : 0;
  }

  /**
   * One round trip: the gate's window and line, else its slot (held for at most `leaseMs` if never released).
   * `turn` is the token of the caller's place in the line, when a deferral gave it one.
   */
  async reserve(gate: string, leaseMs: number, turn = ''): Promise<Reservation> {
    const token = `${process.pid}.${++tokens}.${Math.random().toString(36).slice(2, 8)}`;
    const [code, ms, member] = await RESERVE.run<[number, number, string?]>(this.redis, this.keys(gate), [
      token,
      leaseMs,
      this.pace(gate),
      turn,
    ]);
    if (code === 0) return { kind: 'go', token };
    if (code === 2) return { kind: 'busy', ms: Number(ms) };
    return member ? { kind: 'window', ms: Number(ms), turn: member } : { kind: 'window', ms: Number(ms) };
  }

  /**
   * Frees the slot, first opening the window when Slack answered 429 (`retryAfterMs` > 0). Returns how long the
   * call must wait: the Retry-After, or later when the gate's line queued it behind others (`turn`: the token
   * it was queued under, the reservation's own).
   */
  async release(gate: string, token: string, retryAfterMs = 0): Promise<{ ms: number; turn?: string }> {
    const [ms, queued] = await RELEASE.run<[number, number]>(this.redis, this.keys(gate), [
      token,
      retryAfterMs,
      this.pace(gate),
    ]);
    return queued ? { ms: Number(ms), turn: token } : { ms: Number(ms) };
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
