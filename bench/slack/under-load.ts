// Benchmark: decision → assistant and the Slack click's answer while 32 clients call through the same server (the
// Slack bench's, production-shaped): what a busy gateway does to the people-facing latencies. The 32 clients run
// in a process of their own (lib/background-load.ts), so the latencies measured here never wait behind them; the
// waiting assistant and its approval in another (lib/decider-process.ts), so neither waits behind the stand-ins
// serving the load's provider calls in this one.
import { ALICE } from '../../src/sandbox/people.js';
import type { DecisionResult } from '../gateway/decision-latency.js';
import { type BackgroundLoadResult, startBackgroundLoad } from '../lib/background-load.js';
import { decideInChild } from '../lib/decider-process.js';
import { grantLinearRead, LINEAR_QUERY, REDIS_URL } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { pinServerApart } from '../lib/pin.js';
import type { SlackBenchEnvironment } from '../lib/slack-env.js';
import { type ClickToAssistantResult, runClickToAssistant } from './click-to-assistant.js';

export interface UnderLoadOptions {
  clients: number;
  iterations: number;
  maxMs: number;
}

export interface UnderLoadResult {
  decision: DecisionResult;
  click: ClickToAssistantResult;
  /** The background calls meanwhile. */
  load: BackgroundLoadResult;
  /** Which cores ran what (lib/pin.ts), or null when everything shared every core. */
  layout: string | null;
}

export async function runSlackUnderLoad(
  bench: SlackBenchEnvironment,
  options: UnderLoadOptions,
): Promise<UnderLoadResult> {
  const url = `${bench.env.demo.linearUrl}/graphql`;
  const tokens: string[] = [];
  for (let i = 0; i < options.clients; i++) {
    // A session grant belongs to the token's session: the load process's clients, connecting with the same
    // tokens, call under the grants approved here.
    const token = await bench.env.workos.mintAccessToken(ALICE.id, { sid: `bench_under_load_${i}` });
    const client = await connectBenchClient(bench.env.server.url, token, `bench-under-load-${i}`);
    try {
      await grantLinearRead(client, bench.store, 'background load');
    } finally {
      await client.close();
    }
    tokens.push(token);
  }
  // The 32 requests above are posted about one a second (Slack's pace per channel): let that backlog go out
  // before measuring, so the click part's new requests are not posted behind it.
  await bench.approvalsSettled(180_000);
  const load = await startBackgroundLoad({
    serverUrl: bench.env.server.url,
    tokens,
    url,
    body: LINEAR_QUERY,
  });
  const pinning = bench.serverPid === undefined ? null : pinServerApart(bench.serverPid, [load.pid]);
  let stopped: Promise<UnderLoadResult['load']> | null = null;
  try {
    const settings = { iterations: options.iterations, maxMs: options.maxMs };
    const decision = await decideInChild({
      serverUrl: bench.env.server.url,
      token: await bench.env.workos.mintAccessToken(ALICE.id, { sid: 'bench_under_load_decider' }),
      redisUrl: REDIS_URL,
      prefix: bench.env.prefix,
      options: { ...settings, settleMs: 120 },
    });
    // The decision part's requests were posted too; the click part waits for each new request's message.
    await bench.approvalsSettled(180_000);
    const click = await runClickToAssistant(bench, { ...settings, settleMs: 80, messageTimeoutMs: 60_000 });
    stopped = load.stop();
    return { decision, click, load: await stopped, layout: pinning?.layout ?? null };
  } finally {
    pinning?.release();
    if (!stopped) await load.stop().catch(() => undefined);
  }
}
