// Benchmark 4b: from Bob's signed Approve click to the URL-elicitation client's retried call succeeding (2026-07-28).
import { performance } from 'node:perf_hooks';
import { ALICE } from '../../src/sandbox/people.js';
import { roundRobin } from '../../test/support/balancer.js';
import { callTool, connectClient, textOf } from '../../test/support/mcp-client.js';
import { sleep } from '../lib/gateway-env.js';
import type { SlackBenchEnvironment } from '../lib/slack-env.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';
import type { ClickToAssistantOptions } from './click-to-assistant.js';

export interface ClickToRetryResult {
  iterations: number;
  /** From just before the click is sent to request_elevated_access's approved result at the client. */
  fromClick: Summary;
  misses: number;
}

/**
 * The client declares URL elicitation: request_elevated_access answers input_required with the consent link,
 * the client "opens" it and retries at once; the retry waits on the grant until Bob clicks.
 */
export async function runClickToRetry(
  bench: SlackBenchEnvironment,
  options: ClickToAssistantOptions,
): Promise<ClickToRetryResult> {
  const capture = roundRobin(() => [bench.env.server.url]);
  const token = await bench.env.workos.mintAccessToken(ALICE.id, { sid: 'bench_slack_retry' });
  const client = await connectClient(bench.env.server.url, token, 'bench-retry', {
    revision: '2026-07-28',
    capabilities: { elicitation: { url: {} } },
    fetch: capture.fetch,
  });
  let elicited: () => void = () => undefined;
  client.setRequestHandler('elicitation/create', async () => {
    elicited();
    return { action: 'accept' };
  });
  const linearGraphqlUrl = `${bench.env.demo.linearUrl}/graphql`;
  const fromClick: number[] = [];
  let misses = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < options.iterations && performance.now() - started < options.maxMs; i++) {
      const asked = new Promise<void>((resolve) => {
        elicited = resolve;
      });
      let arrived = 0;
      const call = callTool(client, 'request_elevated_access', {
        kind: 'call',
        method: 'POST',
        url: linearGraphqlUrl,
        body: { query: `mutation { issueUpdate(id: "retry-${i}", input: { title: "bench" }) { success } }` },
        reason: `benchmark retry-${i}`,
      }).then((result) => {
        arrived = performance.now();
        return result;
      });
      await asked;
      const key = Object.keys(capture.served.at(-1)?.reply?.result?.inputRequests ?? {})[0];
      if (!key) throw new Error('no input_required answer seen');
      const message = await bench.messageOf(key.replace(/^consent-/, ''));
      // Let the retry reach the server and park on the grant before Bob clicks (jittered).
      await sleep(options.settleMs + (i % 5) * 10);
      if (arrived) throw new Error(`the call returned before the click: ${textOf(await call)}`);
      const clicked = performance.now();
      const click = await bench.approve(message);
      if (click.status !== 200) throw new Error(`click answered ${click.status}`);
      const result = await call;
      if (result.structuredContent?.status !== 'approved') {
        misses++;
        continue;
      }
      fromClick.push(arrived - clicked);
    }
  } finally {
    await client.close();
  }
  return { iterations: fromClick.length, fromClick: rounded(summarize(fromClick)), misses };
}
