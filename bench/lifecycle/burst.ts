// Benchmark 7: 1,000 pending grants whose decision windows close within the same (compressed) minute, against a
// Slack that lets 50 chat.update calls through per window and answers the rest 429 with Retry-After. Every
// message must end up re-rendered as expired, and no call may arrive inside an announced Retry-After window.
import { performance } from 'node:perf_hooks';
import type { SlackApiCall, SlackMessage } from '../../src/sandbox/slack/index.js';
import { sleep } from '../lib/gateway-env.js';
import {
  APPROVALS_CHANNEL,
  type SlackBenchEnvironment,
  type SlackBenchOptions,
  startSlackBenchEnvironment,
} from '../lib/slack-env.js';
import { round, rounded, type Summary, summarize } from '../lib/stats.js';
import { finalUpdateTimes, HEADLINE, showsFinal } from './rendered.js';

/** Slack's real window for chat.update's tier: about 50 calls per minute. */
export const SLACK_WINDOW_SECONDS = 60;

export interface BurstOptions {
  grants: number;
  /** chat.update calls the stand-in lets through per window. */
  perWindow: number;
  /** The stand-in's window; below SLACK_WINDOW_SECONDS the run is time-compressed by their ratio. */
  windowSeconds: number;
  /**
   * The server's DECISION_WINDOW: long enough that every request message is posted before the first
   * deadline; the deadlines themselves are as far apart as the requests were (see `deadlineSpreadMs`).
   */
  decisionWindowMs: number;
  /** MCP sessions creating the requests in parallel. */
  sessions: number;
  /** Gives up waiting for the request messages to be posted after this long. */
  setupMaxMs: number;
  /** Gives up waiting for the expired re-renders this long after the last deadline. */
  drainMaxMs: number;
}

export interface RetryAfterViolation {
  /** When the offending call arrived at the stand-in (ISO) and its answer. */
  at: string;
  status: number;
  /** The 429 whose Retry-After window it arrived in: when that was answered, and the window's end. */
  windowFrom: string;
  windowUntil: string;
  /** How long before the window's end the call came. */
  earlyMs: number;
}

export interface BurstResult {
  /** Pending grants created. */
  grants: number;
  /** Grants whose request message was not posted before their deadline (so it could not be re-rendered either). */
  neverPosted: number;
  /** SLACK_WINDOW_SECONDS / windowSeconds: every duration here is that many times shorter than on Slack. */
  compression: number;
  limit: { perWindow: number; windowSeconds: number };
  decisionWindowMs: number;
  setup: {
    requestMs: number;
    /** From the last request's answer until every request message was posted. */
    postedMs: number;
    /** Whether all messages were posted before the first deadline (otherwise deliveries mixed into the burst). */
    postedBeforeFirstDeadline: boolean;
  };
  /** From the first deadline to the last. */
  deadlineSpreadMs: number;
  /** The same in stand-in windows (compressed minutes): ≤ 1 means all expired within one. */
  deadlineSpreadWindows: number;
  /** Messages showing "Expired" without buttons at the end, of `grants`. */
  correct: number;
  /** From the last deadline to the chat.update that made the last message correct; null if some never were. */
  allCorrectAfterLastDeadlineMs: number | null;
  /** The same counted from the first deadline. */
  allCorrectAfterFirstDeadlineMs: number | null;
  /**
   * The least the limit allows: the last of `grants` updates can go out at the start of window
   * ceil(grants / perWindow), counted from the first update, i.e. (ceil(grants/perWindow) − 1) × window.
   */
  idealFromFirstUpdateMs: number;
  /** From the first successful expired re-render to the last. */
  fromFirstUpdateMs: number | null;
  /**
   * Estimated for Slack's real window, in seconds: the least possible × compression, plus the overhead
   * measured beyond it (fromFirstUpdateMs − idealFromFirstUpdateMs), which is not scaled: it is per 429
   * (whole-second Retry-After rounding and the resume), the same absolute cost at any window length.
   */
  atSlackScaleEstimateSeconds: number | null;
  updates: { total: number; ok: number; rateLimited: number; otherwise: number };
  /** Answered-200 updates beyond one per grant (re-renders of an already expired message). */
  extraUpdates: number;
  /**
   * Where the time beyond the least possible goes, per 429 (the stand-in's windows replayed over the calls):
   * how far past the window's real end Slack's whole-second Retry-After pointed, and how long after that
   * announced end the next update arrived (the server's Retry-After gate, the queue's pause, the next job).
   */
  pacing: { retryAfterPastWindowEndMs: Summary; nextCallAfterRetryAfterMs: Summary };
  retryAfterViolations: number;
  /** The first violations, each against the window it broke. */
  violations: RetryAfterViolation[];
  wallMs: number;
  serverPid: number | undefined;
  redisPrefix: string;
}

export function burstSettings(options: BurstOptions): Record<string, string> {
  return {
    DECISION_WINDOW: `${options.decisionWindowMs}ms`,
    // No reminder posts, no audit-channel lines: only the request messages' re-renders reach Slack.
    REMINDER_AT: '0',
    AUDIT_CHANNEL: '',
  };
}

export async function runBurst(
  options: BurstOptions,
  envOptions: SlackBenchOptions = {},
): Promise<BurstResult> {
  const started = performance.now();
  const bench = await startSlackBenchEnvironment({
    ...envOptions,
    settings: { ...envOptions.settings, ...burstSettings(options) },
  });
  try {
    return { ...(await measure(bench, options)), wallMs: Math.round(performance.now() - started) };
  } finally {
    await bench.stop();
  }
}

async function measure(bench: SlackBenchEnvironment, options: BurstOptions) {
  const { slack } = bench;
  const windowMs = options.windowSeconds * 1000;
  // Only chat.update's workspace tier is limited, as the burst studies it: posting the requests is not part of
  // it, and Slack's per-channel pacing (about a message a second) would take ~17 minutes over 1,000 posts.
  slack.channelPacing(false);
  slack.limit('chat.update', { perWindow: options.perWindow, windowSeconds: options.windowSeconds });

  const clients = await Promise.all(
    Array.from({ length: options.sessions }, (_, i) => bench.connect(`burst_${i}`)),
  );
  const requestStart = performance.now();
  const deadlines = new Map<string, number>();
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < options.grants) {
        const view = await bench.requestCallView(client, `burst-${next++}`);
        deadlines.set(view.requestId, Date.parse(view.decideBy!));
      }
    }),
  );
  const requested = performance.now();
  const firstDeadline = Math.min(...deadlines.values());
  const lastDeadline = Math.max(...deadlines.values());

  // Where each grant's message is, read while it still has its Approve button (one copy of the channel a look).
  const posted = new Map<string, SlackMessage>();
  while (performance.now() - requestStart < options.setupMaxMs) {
    for (const [id, message] of bench.approvable()) if (deadlines.has(id)) posted.set(id, message);
    if (posted.size === deadlines.size) break;
    // Deliveries stop at a grant's deadline: past the last one, nothing more will be posted.
    if (Date.now() > lastDeadline + 1_000) break;
    await sleep(200);
  }
  const postedAt = performance.now();
  const postedBeforeFirstDeadline = posted.size === deadlines.size && Date.now() < firstDeadline;
  const tsOf = new Map([...posted].map(([id, message]) => [id, message.ts]));
  const ours = new Set(tsOf.values());

  // Wait until every message shows "Expired" without buttons, or give up.
  const countCorrect = () =>
    slack.messages(APPROVALS_CHANNEL).filter((m) => ours.has(m.ts) && showsFinal(m.blocks, HEADLINE.expired))
      .length;
  let correct = 0;
  for (;;) {
    correct = countCorrect();
    if (correct === ours.size || Date.now() > lastDeadline + options.drainMaxMs) break;
    await sleep(Date.now() < firstDeadline ? 250 : 500);
  }

  const updates = slack.calls('chat.update').filter((c) => ours.has(String(c.args.ts ?? '')));
  const finalAt = finalUpdateTimes(updates, HEADLINE.expired);
  const times = [...finalAt.values()];
  const allCorrectAt = correct === ours.size && times.length === ours.size ? Math.max(...times) : null;
  const firstUpdate = times.length ? Math.min(...times) : null;
  const ok = updates.filter((c) => c.status === 200).length;
  const rateLimited = updates.filter((c) => c.status === 429).length;
  const violations = slack.retryAfterViolations('chat.update');
  const compression = SLACK_WINDOW_SECONDS / options.windowSeconds;
  const ideal = (Math.ceil(ours.size / options.perWindow) - 1) * windowMs;
  const fromFirstUpdate = allCorrectAt !== null && firstUpdate !== null ? allCorrectAt - firstUpdate : null;
  return {
    grants: deadlines.size,
    neverPosted: deadlines.size - posted.size,
    compression: round(compression, 2),
    limit: { perWindow: options.perWindow, windowSeconds: options.windowSeconds },
    decisionWindowMs: options.decisionWindowMs,
    setup: {
      requestMs: Math.round(requested - requestStart),
      postedMs: Math.round(postedAt - requested),
      postedBeforeFirstDeadline,
    },
    deadlineSpreadMs: lastDeadline - firstDeadline,
    deadlineSpreadWindows: round((lastDeadline - firstDeadline) / windowMs, 2),
    correct,
    allCorrectAfterLastDeadlineMs: allCorrectAt === null ? null : allCorrectAt - lastDeadline,
    allCorrectAfterFirstDeadlineMs: allCorrectAt === null ? null : allCorrectAt - firstDeadline,
    idealFromFirstUpdateMs: ideal,
    fromFirstUpdateMs: fromFirstUpdate,
    atSlackScaleEstimateSeconds:
      fromFirstUpdate === null ? null : round((ideal * compression + fromFirstUpdate - ideal) / 1000, 1),
    updates: { total: updates.length, ok, rateLimited, otherwise: updates.length - ok - rateLimited },
    extraUpdates: Math.max(0, ok - finalAt.size),
    pacing: pacing(updates, windowMs),
    retryAfterViolations: violations.length,
    violations: explain(slack.calls('chat.update'), violations).slice(0, 20),
    serverPid: bench.serverPid,
    redisPrefix: bench.env.prefix,
  };
}

/** Replays the stand-in's fixed windows (a window starts with the first call after the last one ended). */
function pacing(calls: readonly SlackApiCall[], windowMs: number) {
  const pastEnd: number[] = [];
  const nextAfter: number[] = [];
  let start = Number.NEGATIVE_INFINITY;
  let announced: number | null = null;
  for (const call of calls) {
    if (announced !== null) {
      nextAfter.push(call.at - announced);
      announced = null;
    }
    if (call.at >= start + windowMs) start = call.at;
    if (call.status === 429 && call.retryAfter !== undefined) {
      announced = call.at + call.retryAfter * 1000;
      pastEnd.push(announced - (start + windowMs));
    }
  }
  return {
    retryAfterPastWindowEndMs: rounded(summarize(pastEnd), 1),
    nextCallAfterRetryAfterMs: rounded(summarize(nextAfter), 1),
  };
}

/** Pairs each violation with the 429 whose announced window it arrived in (the stand-in's own rule, replayed). */
function explain(calls: readonly SlackApiCall[], violations: readonly SlackApiCall[]): RetryAfterViolation[] {
  const offending = new Set(violations.map((v) => `${v.at} ${String(v.args.ts)} ${v.status}`));
  const windows = new Map<string, { from: number; until: number }>();
  const out: RetryAfterViolation[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const call of calls) {
    const key = call.tokenKind;
    const window = windows.get(key);
    if (window && offending.has(`${call.at} ${String(call.args.ts)} ${call.status}`)) {
      out.push({
        at: iso(call.at),
        status: call.status,
        windowFrom: iso(window.from),
        windowUntil: iso(window.until),
        earlyMs: window.until - call.at,
      });
    }
    if (call.status === 429 && call.retryAfter !== undefined) {
      const until = call.at + call.retryAfter * 1000;
      if (!window || until > window.until) windows.set(key, { from: call.at, until });
    }
  }
  return out;
}
