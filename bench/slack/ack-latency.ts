// Benchmark 5: how fast the server answers signed Approve clicks arriving open-loop at a fixed rate (Slack's 3 s limit).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { DEFAULT_METHOD_LIMITS } from '../../src/sandbox/slack/tiers.js';
import { type CpuSample, cpuNow, cpuSince } from '../lib/cpu.js';
import { sleep } from '../lib/gateway-env.js';
import type { SlackBenchEnvironment } from '../lib/slack-env.js';
import { round, rounded, type Summary, summarize } from '../lib/stats.js';

export interface AckOptions {
  /** Clicks sent per second, whether or not earlier ones were answered. */
  ratePerSecond: number;
  /** Clicks in the first `warmupMs` are sent at the same rate but not measured. */
  warmupMs: number;
  durationMs: number;
  /** Sessions creating the pending requests in parallel before the clicks start. */
  requesters: number;
  /** Gives up waiting for the request messages after this long. */
  setupMaxMs: number;
}

export interface AckResult {
  /** Measured clicks (after the warm-up), each a first click on a different pending grant. */
  clicks: number;
  warmupClicks: number;
  /** The rate actually sent during the measured part. */
  sentPerSecond: number;
  /** From handing the click to the stand-in to its HTTP answer (payload built, signed, POSTed, answer read). */
  answer: Summary;
  /** The stand-in's own ackMs (Date.now() around fetch, whole milliseconds). */
  standInAckMs: Summary;
  /** From when the click was due to its answer: includes any lag of the sender itself (no coordinated omission). */
  fromSchedule: Summary;
  /** How late the sender fired clicks; near zero means the rate was really offered. */
  sendLag: Summary;
  /** Answers other than HTTP 200, and clicks that got no answer at all. */
  failed: number;
  firstFailure: string | null;
  /** Of every grant clicked (warm-up included): approved by that one click (winning clicks; none lost a race). */
  approved: number;
  clicked: number;
  /**
   * From the last click's answer until every clicked message has been re-rendered without its buttons (the sync
   * jobs' backlog: each approval also posts a DM and an audit-channel line); null if that took over `setupMaxMs`.
   */
  messagesUpdatedAfterMs: number | null;
  /**
   * The clicked messages re-rendered by the end of that wait, and how long after the first click: Slack's Tier 3
   * lets a workspace make about 50 `chat.update`s a minute (`allowedPerMinute`), so 700 approvals take it ~14
   * minutes whatever we do. The stand-in counts in whole minutes: 50 done within the first says the jobs kept up.
   */
  rerendered: { done: number; of: number; seconds: number; allowedPerMinute: number };
  /** Event-loop delay in this process (stand-in and sender) while measuring: it inflates every number above. */
  benchLoopDelay: { p99: number; max: number };
  /** Cores kept busy while measuring: this process, the server child, Redis, and everything else on the machine. */
  cores: { bench: number; server: number | null; redis: number | null; others: number | null };
  setup: { grants: number; requestMs: number; messagesMs: number };
}

export async function runAckLatency(bench: SlackBenchEnvironment, options: AckOptions): Promise<AckResult> {
  // Slack posts about one message a second per channel: the 700 requests of this bench would take it ~12 minutes
  // to post in one channel. What is measured is the click's answer, which no posting waits on, so the stand-in's
  // per-channel pacing is off for this bench only (its per-method tiers stay on).
  bench.slack.channelPacing(false);
  try {
    return await measureAcks(bench, options);
  } finally {
    bench.slack.channelPacing(true);
  }
}

async function measureAcks(bench: SlackBenchEnvironment, options: AckOptions): Promise<AckResult> {
  const interval = 1000 / options.ratePerSecond;
  const warmupClicks = Math.round(options.warmupMs / interval);
  const total = warmupClicks + Math.round(options.durationMs / interval);
  const setup = await pendingRequests(bench, total, options);
  // Oldest first, in the order they were posted: the newest may still have their audit-channel line in flight.
  const targets = [...setup.messages].sort((a, b) => Number(a.message.ts) - Number(b.message.ts));

  const answer: number[] = [];
  const standInAck: number[] = [];
  const fromSchedule: number[] = [];
  const sendLag: number[] = [];
  let failed = 0;
  let firstFailure: string | null = null;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let cpu: Promise<CpuSample> | null = null;
  let measuredFrom = 0;

  const fire = async (message: SlackMessage, due: number, measured: boolean) => {
    const sent = performance.now();
    try {
      const result = await bench.approve(message);
      const done = performance.now();
      if (result.status !== 200) throw new Error(`answered ${result.status} ${result.error ?? result.body}`);
      if (!measured) return;
      answer.push(done - sent);
      standInAck.push(result.ackMs);
      fromSchedule.push(done - due);
      sendLag.push(sent - due);
    } catch (error) {
      failed++;
      firstFailure ??= String(error);
    }
  };

  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;
  for (let i = 0; i < total; i++) {
    if (i === warmupClicks) {
      measuredFrom = performance.now();
      // Not awaited here: the CPU counters are read at once, only Redis's INFO answers later.
      cpu = cpuNow(bench.serverPid, bench.redis);
      loop.enable();
    }
    const due = start + i * interval;
    // Timers run on a whole-millisecond clock and can fire early: wait again until the click is really due.
    while (performance.now() < due) await sleep(Math.max(1, Math.ceil(due - performance.now())));
    inFlight.push(fire(targets[i]!.message, due, i >= warmupClicks));
  }
  const lastSent = performance.now();
  await Promise.all(inFlight);
  const lastAnswer = performance.now();
  const elapsed = performance.now() - measuredFrom;
  loop.disable();
  const used = await cpuSince((await cpu)!, bench.serverPid, bench.redis);
  const per = (x: number | null) => (x === null ? null : round(x / elapsed, 2));
  const grantIds = targets.map((t) => t.grantId);
  // Bolt answers before it decides: the last clicks' decisions may still be on their way to Redis.
  const approved = await settledApprovals(bench, grantIds);
  const rerenderedMs = await messagesRerendered(bench, grantIds, options.setupMaxMs);
  const stillOpen = bench.approvable();
  const done = grantIds.filter((id) => !stillOpen.has(id)).length;
  const rerenderSeconds = ((rerenderedMs ?? performance.now()) - start) / 1000;
  const afterLastAnswer = (at: number | null) => (at === null ? null : Math.round(at - lastAnswer));
  return {
    clicks: answer.length,
    warmupClicks,
    sentPerSecond: round(((total - warmupClicks - 1) * 1000) / (lastSent - measuredFrom), 1),
    answer: rounded(summarize(answer)),
    standInAckMs: rounded(summarize(standInAck)),
    fromSchedule: rounded(summarize(fromSchedule)),
    sendLag: rounded(summarize(sendLag)),
    failed,
    firstFailure,
    approved,
    clicked: total,
    messagesUpdatedAfterMs: afterLastAnswer(rerenderedMs),
    rerendered: {
      done,
      of: grantIds.length,
      seconds: round(rerenderSeconds, 1),
      allowedPerMinute: DEFAULT_METHOD_LIMITS['chat.update']!.perWindow,
    },
    benchLoopDelay: { p99: round(loop.percentile(99) / 1e6, 2), max: round(loop.max / 1e6, 2) },
    cores: {
      bench: round(used.benchMs / elapsed, 2),
      server: per(used.serverMs),
      redis: per(used.redisMs),
      others: per(others(used)),
    },
    setup: { grants: total, requestMs: setup.requestMs, messagesMs: setup.messagesMs },
  };
}

/** `count` pending grants, requested by several sessions at once, each with its request message posted in Slack. */
async function pendingRequests(bench: SlackBenchEnvironment, count: number, options: AckOptions) {
  const started = performance.now();
  const clients = await Promise.all(
    Array.from({ length: options.requesters }, (_, i) => bench.connect(`slack_ack_${i}`)),
  );
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < count) ids.push(await bench.requestCall(client, `ack-${next++}`));
    }),
  );
  const requested = performance.now();
  // One copy of the channel per look: cheaper than a stand-in wait per message once hundreds are pending.
  const wanted = new Set(ids);
  let found: Array<{ grantId: string; message: SlackMessage }> = [];
  while (performance.now() - started < options.setupMaxMs) {
    found = [...bench.approvable()]
      .filter(([grantId]) => wanted.has(grantId))
      .map(([grantId, message]) => ({ grantId, message }));
    if (found.length >= count) break;
    await sleep(200);
  }
  if (found.length < count)
    throw new Error(`only ${found.length} of ${count} request messages posted in ${options.setupMaxMs} ms`);
  return {
    messages: found,
    requestMs: Math.round(requested - started),
    messagesMs: Math.round(performance.now() - requested),
  };
}

/** CPU time of everything but the bench, the server and Redis: a test suite next to the bench shows here. */
function others(used: CpuSample): number | null {
  if (used.machineMs === null || used.serverMs === null || used.redisMs === null) return null;
  return Math.max(0, used.machineMs - used.benchMs - used.serverMs - used.redisMs);
}

/** When no clicked grant's message shows an Approve button any more (performance.now()), or null on timeout. */
async function messagesRerendered(
  bench: SlackBenchEnvironment,
  grantIds: string[],
  maxMs: number,
): Promise<number | null> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const stillOpen = bench.approvable();
    if (!grantIds.some((id) => stillOpen.has(id))) return performance.now();
    await sleep(100);
  }
  return null;
}

/** How many of the clicked grants are approved, read from the store (not Slack), waiting up to 5 s for stragglers. */
async function settledApprovals(bench: SlackBenchEnvironment, grantIds: string[]): Promise<number> {
  const deadline = performance.now() + 5_000;
  for (;;) {
    const grants = await Promise.all(grantIds.map((id) => bench.store.get(id)));
    const approved = grants.filter((g) => g?.status === 'approved').length;
    if (approved === grantIds.length || performance.now() > deadline) return approved;
    await sleep(100);
  }
}
