// Benchmark 1: what one call_integration_api adds over the same upstream call made directly, one client, sequential.
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import type { BenchEnvironment } from '../lib/gateway-env.js';
import { rounded, type Summary, summarize } from '../lib/stats.js';

export interface OverheadOptions {
  warmup: number;
  iterations: number;
  /** Stops measuring early (keeping what it has) after this long. */
  maxMs: number;
}

export interface OverheadResult {
  iterations: number;
  warmup: number;
  elapsedMs: number;
  viaServer: Summary;
  direct: Summary;
  /** The direct call through global fetch (as the SDK client sends) instead of a Pool: the client's HTTP stack. */
  directFetch: Summary;
  /** `server_info` (no Redis, no upstream): the floor any tool call pays for MCP over HTTP, auth included. */
  mcpFloor: Summary;
  addedP50: number;
  addedP99: number;
  addedMean: number;
  /** Sequential calls/s through the server: 1000 / mean. */
  callsPerSecond: number;
  directCallsPerSecond: number;
}

/** Interleaves the kinds of call one by one, so drift on a shared machine hits them alike. */
export async function runOverhead(
  bench: BenchEnvironment,
  options: OverheadOptions,
): Promise<OverheadResult> {
  const client = await bench.connect('overhead');
  await bench.grantLinearRead(client);
  await bench.callLinear(client);
  const direct = await bench.direct();
  const floor = () => serverInfo(client);
  try {
    for (let i = 0; i < options.warmup; i++) {
      await bench.callLinear(client);
      await direct.call();
      await direct.callWithFetch();
      await floor();
    }
    const viaServer: number[] = [];
    const straight: number[] = [];
    const viaFetch: number[] = [];
    const mcpFloor: number[] = [];
    const started = performance.now();
    for (let i = 0; i < options.iterations && performance.now() - started < options.maxMs; i++) {
      // Alternate which goes first, so neither always runs on a just-woken event loop.
      const order = i % 2 === 0;
      if (order) straight.push(await timed(() => direct.call()));
      viaServer.push(await timed(() => bench.callLinear(client)));
      if (!order) straight.push(await timed(() => direct.call()));
      viaFetch.push(await timed(() => direct.callWithFetch()));
      mcpFloor.push(await timed(floor));
    }
    const elapsedMs = performance.now() - started;
    const s = summarize(viaServer);
    const d = summarize(straight);
    return {
      iterations: viaServer.length,
      warmup: options.warmup,
      elapsedMs: Math.round(elapsedMs),
      viaServer: rounded(s),
      direct: rounded(d),
      directFetch: rounded(summarize(viaFetch)),
      mcpFloor: rounded(summarize(mcpFloor)),
      addedP50: s.p50 - d.p50,
      addedP99: s.p99 - d.p99,
      addedMean: s.mean - d.mean,
      callsPerSecond: 1000 / s.mean,
      directCallsPerSecond: 1000 / d.mean,
    };
  } finally {
    await direct.close();
  }
}

async function serverInfo(client: Client): Promise<void> {
  const result = await callTool(client, 'server_info');
  if (result.isError) throw new Error(`server_info failed: ${textOf(result).slice(0, 300)}`);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
