// Benchmark: decision → assistant and the Slack click's answer while 32 clients call through the same server (the
// Slack bench's, production-shaped): what a busy gateway does to the people-facing latencies.
import { performance } from 'node:perf_hooks';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { type DecisionResult, runDecisionLatency } from '../gateway/decision-latency.js';
import { APPROVER, LINEAR_QUERY } from '../lib/gateway-env.js';
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
  load: { calls: number; errors: number; callsPerSecond: number; firstError: string | null };
}

export async function runSlackUnderLoad(
  bench: SlackBenchEnvironment,
  options: UnderLoadOptions,
): Promise<UnderLoadResult> {
  const url = `${bench.env.demo.linearUrl}/graphql`;
  const clients = await Promise.all(
    Array.from({ length: options.clients }, (_, i) => bench.connect(`under_load_${i}`)),
  );
  for (const client of clients) {
    const requested = await callTool(client, 'request_elevated_access', {
      kind: 'session',
      level: 'read',
      providers: ['linear'],
      durationMinutes: 60,
      reason: 'background load',
    });
    const requestId = requested.structuredContent?.requestId as string | undefined;
    if (requested.isError || !requestId) throw new Error(`request failed: ${textOf(requested)}`);
    const approved = await bench.store.approve(requestId, APPROVER, {});
    if (!approved.ok) throw new Error(`approve ${requestId} failed: ${approved.code}`);
  }
  let running = true;
  let calls = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const workers = clients.map(async (client) => {
    while (running) {
      try {
        const result = await callTool(client, 'call_integration_api', { url, body: LINEAR_QUERY });
        if (result.isError) throw new Error(textOf(result).slice(0, 200));
        calls++;
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  });
  try {
    const settings = { iterations: options.iterations, maxMs: options.maxMs };
    const decision = await runDecisionLatency(bench, { ...settings, settleMs: 120 });
    const click = await runClickToAssistant(bench, { ...settings, settleMs: 80, messageTimeoutMs: 60_000 });
    const elapsed = performance.now() - started;
    return { decision, click, load: { calls, errors, callsPerSecond: (calls * 1000) / elapsed, firstError } };
  } finally {
    running = false;
    await Promise.all(workers);
  }
}
