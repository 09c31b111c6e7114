// Benchmark 6: from a grant's deadline (decideBy, or expiresAt once approved) to its Slack message re-rendered
// for the new state without buttons, one grant at a time (staggered, not a burst), on a server of its own.
import { performance } from 'node:perf_hooks';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { sleep } from '../lib/gateway-env.js';
import {
  APPROVALS_CHANNEL,
  type SlackBenchEnvironment,
  type SlackBenchOptions,
  startSlackBenchEnvironment,
} from '../lib/slack-env.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';
import { finalUpdateTimes, HEADLINE, showsFinal } from './rendered.js';

export interface ExpiryLagOptions {
  /** Grants of each kind: left pending until decideBy ("expired"), or approved by Bob's click and left to end at expiresAt ("ended"). */
  perKind: number;
  /** A new grant every this many ms, the kinds alternating; each runs on its own, concurrently with the rest. */
  staggerMs: number;
  /** The server's DECISION_WINDOW. */
  decisionWindowMs: number;
  /** The server's DEFAULT_ACCESS_DURATION: how long an approved per-call grant stays usable. */
  accessMs: number;
  /** MCP sessions the requests are spread over. */
  sessions: number;
  /** Stops waiting for re-renders this long after the last deadline. */
  settleMs: number;
}

type Kind = keyof typeof HEADLINE;

interface Tracked {
  grantId: string;
  kind: Kind;
  /** The request message. */
  ts: string;
  /** decideBy (expired) or expiresAt (ended), epoch ms, from the tools' structured output. */
  deadline: number;
}

export interface ExpiryLagResult {
  /** From decideBy to the chat.update that showed "Expired" without buttons (the stand-in's arrival time). */
  expired: { n: number; lag: Summary };
  /** From expiresAt to the chat.update that showed "Access ended". */
  ended: { n: number; lag: Summary };
  all: Summary;
  /** Grants whose message was not re-rendered within `settleMs` of the last deadline. */
  notRerendered: number;
  /** Grants that could not be set up (request, post, click or approval failed). */
  setupFailures: number;
  firstFailure: string | null;
  /** chat.update calls answered other than 200 during the run (none expected: no limit is set here). */
  updatesRefused: number;
  wallMs: number;
  serverPid: number | undefined;
  redisPrefix: string;
}

export function expiryLagSettings(options: ExpiryLagOptions): Record<string, string> {
  return {
    DECISION_WINDOW: `${options.decisionWindowMs}ms`,
    DEFAULT_ACCESS_DURATION: `${options.accessMs}ms`,
  };
}

export async function runExpiryLag(
  options: ExpiryLagOptions,
  envOptions: SlackBenchOptions = {},
): Promise<ExpiryLagResult> {
  const started = performance.now();
  const bench = await startSlackBenchEnvironment({
    ...envOptions,
    settings: { ...envOptions.settings, ...expiryLagSettings(options) },
  });
  try {
    return { ...(await measure(bench, options)), wallMs: Math.round(performance.now() - started) };
  } finally {
    await bench.stop();
  }
}

async function measure(bench: SlackBenchEnvironment, options: ExpiryLagOptions) {
  // A grant every 100 ms, all in one channel: ten times Slack's per-channel pace of about one message a second.
  // What is measured is our lag from a deadline to its re-render, so the stand-in's pacing is off here.
  bench.slack.channelPacing(false);
  // Likewise Slack's workspace tier for chat.update (Tier 3, 50 a minute): 80 grants make ~120 updates in ~10 s,
  // so past the 50th Slack itself would hold them into the next minute, and the lag measured would be Slack's.
  // How we keep to that tier under a burst is the burst benchmark's subject (7).
  bench.slack.limit('chat.update', { perWindow: 100_000, windowSeconds: 60 });
  const clients = await Promise.all(
    Array.from({ length: options.sessions }, (_, i) => bench.connect(`lag_${i}`)),
  );
  const tracked: Tracked[] = [];
  let setupFailures = 0;
  let firstFailure: string | null = null;

  const follow = async (i: number) => {
    const kind: Kind = i % 2 === 0 ? 'expired' : 'ended';
    const client = clients[i % clients.length]!;
    const view = await bench.requestCallView(client, `lag-${i}`);
    const grantId = view.requestId;
    const message = await bench.messageOf(grantId, options.decisionWindowMs);
    if (kind === 'expired') {
      tracked.push({ grantId, kind, ts: message.ts, deadline: Date.parse(view.decideBy!) });
      return;
    }
    const click = await bench.approve(message);
    if (click.status !== 200) throw new Error(`click answered ${click.status} ${click.error ?? click.body}`);
    // Bolt answers before deciding: wait for the decision, as an assistant would.
    const result = await callTool(client, 'check_access_request', { requestId: grantId, waitSeconds: 5 });
    const expiresAt = result.structuredContent?.expiresAt as string | null | undefined;
    if (result.structuredContent?.status !== 'approved' || !expiresAt)
      throw new Error(`not approved: ${textOf(result).slice(0, 200)}`);
    tracked.push({ grantId, kind, ts: message.ts, deadline: Date.parse(expiresAt) });
  };

  const total = options.perKind * 2;
  const chains: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * options.staggerMs;
    while (performance.now() < due) await sleep(Math.max(1, Math.ceil(due - performance.now())));
    chains.push(
      follow(i).catch((error: unknown) => {
        setupFailures++;
        firstFailure ??= String(error);
      }),
    );
  }
  await Promise.all(chains);

  // Wait (looking at the channel, not at the clock alone) until every message shows its final state.
  const lastDeadline = Math.max(...tracked.map((t) => t.deadline));
  const byTs = new Map(tracked.map((t) => [t.ts, t]));
  for (;;) {
    const open = bench.slack
      .messages(APPROVALS_CHANNEL)
      .filter((m) => byTs.has(m.ts) && !showsFinal(m.blocks, HEADLINE[byTs.get(m.ts)!.kind]));
    if (open.length === 0 || Date.now() > lastDeadline + options.settleMs) break;
    await sleep(100);
  }

  const updates = bench.slack.calls('chat.update');
  const finalAt = {
    expired: finalUpdateTimes(updates, HEADLINE.expired),
    ended: finalUpdateTimes(updates, HEADLINE.ended),
  };
  const lags: Record<Kind, number[]> = { expired: [], ended: [] };
  let notRerendered = 0;
  for (const t of tracked) {
    const at = finalAt[t.kind].get(t.ts);
    if (at === undefined) notRerendered++;
    else lags[t.kind].push(at - t.deadline);
  }
  return {
    expired: { n: lags.expired.length, lag: rounded(summarize(lags.expired), 1) },
    ended: { n: lags.ended.length, lag: rounded(summarize(lags.ended), 1) },
    all: rounded(summarize([...lags.expired, ...lags.ended]), 1),
    notRerendered,
    setupFailures,
    firstFailure,
    updatesRefused: updates.filter((c) => c.status !== 200).length,
    serverPid: bench.serverPid,
    redisPrefix: bench.env.prefix,
  };
}
