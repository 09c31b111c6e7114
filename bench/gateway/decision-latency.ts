// Benchmark 3: from an approval being applied in Redis to the waiting check_access_request result reaching the client.
import { performance } from 'node:perf_hooks';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { APPROVER, type BenchEnvironment, sleep } from '../lib/gateway-env.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';

export interface DecisionOptions {
  iterations: number;
  /** How long the client has been waiting before the approval is applied. */
  settleMs: number;
  /** Stops starting new iterations after this long. */
  maxMs: number;
}

export interface DecisionResult {
  iterations: number;
  /** From approve() returning ok to the tool result at the client. */
  afterApprove: Summary;
  /** From just before approve() is called to the tool result at the client. */
  fromApproveCall: Summary;
  /** How long approve() itself took (read, compute, Lua compare-and-set, publish). */
  approveCall: Summary;
  /** Results that came back other than approved (e.g. still pending after the wait). */
  misses: number;
}

export async function runDecisionLatency(
  // The gateway's or the Slack bench's environment: a client and the store are all it needs.
  bench: Pick<BenchEnvironment, 'connect' | 'store'>,
  options: DecisionOptions,
): Promise<DecisionResult> {
  const client = await bench.connect('decide');
  const afterApprove: number[] = [];
  const fromCall: number[] = [];
  const approveCall: number[] = [];
  let misses = 0;
  const started = performance.now();
  for (let i = 0; i < options.iterations && performance.now() - started < options.maxMs; i++) {
    // Each new request supersedes nothing (the previous one was approved) and replaces the active grant once approved.
    const requested = await callTool(client, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      durationMinutes: 5,
      reason: `decision latency ${i}`,
    });
    const requestId = requested.structuredContent?.requestId as string | undefined;
    if (requested.isError || !requestId) throw new Error(`request failed: ${textOf(requested)}`);

    let arrived = 0;
    const waiting = callTool(client, 'check_access_request', { requestId, waitSeconds: 25 }).then(
      (result) => {
        arrived = performance.now();
        return result;
      },
    );
    // Let the call reach the server and park on the grant events before anyone decides (jittered).
    await sleep(options.settleMs + (i % 5) * 10);
    if (arrived)
      throw new Error(`check_access_request returned before the decision: ${textOf(await waiting)}`);

    const before = performance.now();
    const approved = await bench.store.approve(requestId, APPROVER, {});
    const applied = performance.now();
    if (!approved.ok) throw new Error(`approve ${requestId} failed: ${approved.code}`);
    const result = await waiting;
    if (result.structuredContent?.status !== 'approved') {
      misses++;
      continue;
    }
    approveCall.push(applied - before);
    afterApprove.push(arrived - applied);
    fromCall.push(arrived - before);
  }
  return {
    iterations: afterApprove.length,
    afterApprove: rounded(summarize(afterApprove)),
    fromApproveCall: rounded(summarize(fromCall)),
    approveCall: rounded(summarize(approveCall)),
    misses,
  };
}
