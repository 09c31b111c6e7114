// Benchmark 4: from Bob's signed Approve click leaving "Slack" to the waiting check_access_request result at the client.
import { performance } from 'node:perf_hooks';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { sleep } from '../lib/gateway-env.js';
import type { SlackBenchEnvironment } from '../lib/slack-env.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';

export interface ClickToAssistantOptions {
  iterations: number;
  /** How long the client has been waiting before the click is sent. */
  settleMs: number;
  /** Stops starting new iterations after this long. */
  maxMs: number;
  /** How long to wait for the request's message to be posted (default 10 s; longer on a server under load). */
  messageTimeoutMs?: number;
}

export interface ClickToAssistantResult {
  iterations: number;
  /** From just before the click is sent to the tool result at the client. */
  fromClick: Summary;
  /** The click's HTTP answer (Bolt acks before deciding): what Slack waits for. */
  clickAnswer: Summary;
  /** From the click's answer to the tool result: the decision itself (lookups, Lua, publish) and the wake-up. */
  afterAnswer: Summary;
  /** Results that came back other than approved. */
  misses: number;
}

export async function runClickToAssistant(
  bench: SlackBenchEnvironment,
  options: ClickToAssistantOptions,
): Promise<ClickToAssistantResult> {
  const client = await bench.connect('slack_click');
  const fromClick: number[] = [];
  const answers: number[] = [];
  const afterAnswer: number[] = [];
  let misses = 0;
  const started = performance.now();
  for (let i = 0; i < options.iterations && performance.now() - started < options.maxMs; i++) {
    const requestId = await bench.requestCall(client, `click-${i}`);
    // Only a posted message can be clicked: the click goes to the message the sync job put in the channel.
    const message = await bench.messageOf(requestId, options.messageTimeoutMs);

    let arrived = 0;
    const waiting = callTool(client, 'check_access_request', { requestId, waitSeconds: 20 }).then(
      (result) => {
        arrived = performance.now();
        return result;
      },
    );
    // Let the call reach the server and park on the grant events before Bob clicks (jittered).
    await sleep(options.settleMs + (i % 5) * 10);
    if (arrived) throw new Error(`check_access_request returned before the click: ${textOf(await waiting)}`);

    const clicked = performance.now();
    const click = await bench.approve(message);
    const answered = performance.now();
    if (click.status !== 200) throw new Error(`click answered ${click.status} ${click.error ?? click.body}`);
    const result = await waiting;
    if (result.structuredContent?.status !== 'approved') {
      misses++;
      continue;
    }
    fromClick.push(arrived - clicked);
    answers.push(answered - clicked);
    afterAnswer.push(arrived - answered);
  }
  return {
    iterations: fromClick.length,
    fromClick: rounded(summarize(fromClick)),
    clickAnswer: rounded(summarize(answers)),
    afterAnswer: rounded(summarize(afterAnswer)),
    misses,
  };
}
