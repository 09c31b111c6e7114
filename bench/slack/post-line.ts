// A burst of requests into one approvals channel that Slack paces: how many times the posts were held back
// (deferred job runs, 429s), whether they reached the channel in the order they were asked, and how long the last
// one took. Run twice: Slack's per-channel pacing as the stand-in models it (ten in ten seconds), and strictly one
// a second.
import { parsePrometheusText, sampleValue } from '../../test/integration/ops/prometheus-text.js';
import { APPROVALS_CHANNEL, approveValue, type SlackBenchEnvironment } from '../lib/slack-env.js';
import { round } from '../lib/stats.js';

export interface PostLineOptions {
  requests: number;
  maxMs: number;
}

export interface PostLineResult {
  shape: string;
  requests: number;
  posted: number;
  /** Job runs our retry gate held back before they reached Slack, per post. */
  deferredPerPost: number;
  /** 429s Slack answered to the channel's posts. */
  rateLimited: number;
  /** Pairs of posts that reached the channel in the opposite order to their requests. */
  outOfOrder: number;
  /** Seconds from the first request to the last post. */
  lastPostedS: number;
}

/** Posts our gate held back before they reached Slack, from the server's /metrics. */
async function deferredPosts(serverUrl: string): Promise<number> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  return sampleValue(parsePrometheusText(text), 'countersign_slack_api_calls_total', {
    method: 'chat.postMessage',
    outcome: 'deferred',
  });
}

/** Pairs (i < j) whose posts came in the order j, i: 0 when every post kept its request's place. */
function inversions(order: number[]): number {
  let count = 0;
  for (let i = 0; i < order.length; i++)
    for (let j = i + 1; j < order.length; j++) if (order[i]! > order[j]!) count++;
  return count;
}

export async function runPostLine(
  bench: SlackBenchEnvironment,
  shape: { name: string; strict: boolean },
  options: PostLineOptions,
): Promise<PostLineResult> {
  const { slack } = bench;
  await bench.approvalsSettled(60_000);
  if (shape.strict) slack.limit('chat.postMessage', { perWindow: 1, windowSeconds: 1 });
  const client = await bench.connect(`line_${shape.strict ? 'strict' : 'burst'}`);
  const callsBefore = slack.calls('chat.postMessage').length;
  const deferredBefore = await deferredPosts(bench.env.server.url);
  const started = Date.now();
  try {
    const asked: string[] = [];
    for (let i = 0; i < options.requests; i++) asked.push(await bench.requestCall(client, `line-${i}`));
    const place = new Map(asked.map((id, i) => [id, i]));
    const postedOrder = () =>
      slack
        .messages(APPROVALS_CHANNEL)
        .map((m) => place.get(approveValue(m) ?? ''))
        .filter((i): i is number => i !== undefined);
    while (postedOrder().length < asked.length && Date.now() - started < options.maxMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const order = postedOrder();
    const lastPostedS = (Date.now() - started) / 1000;
    const limited = slack
      .calls('chat.postMessage')
      .slice(callsBefore)
      .filter((c) => c.args.channel === APPROVALS_CHANNEL && c.status === 429).length;
    const deferred = (await deferredPosts(bench.env.server.url)) - deferredBefore;
    return {
      shape: shape.name,
      requests: asked.length,
      posted: order.length,
      deferredPerPost: round(deferred / Math.max(1, order.length), 2),
      rateLimited: limited,
      outOfOrder: inversions(order),
      lastPostedS: round(lastPostedS, 1),
    };
  } finally {
    if (shape.strict) slack.limit('chat.postMessage', null);
    await client.close();
  }
}

export function postLineTable(results: PostLineResult[]): string[][] {
  return [
    ['Slack pacing', 'posted', 'deferred runs per post', '429s', 'pairs out of order', 'last posted after'],
    ...results.map((r) => [
      r.shape,
      `${r.posted} of ${r.requests}`,
      String(r.deferredPerPost),
      String(r.rateLimited),
      String(r.outOfOrder),
      `${r.lastPostedS} s`,
    ]),
  ];
}
