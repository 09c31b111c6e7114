// Benchmark: the server's CPU per `tools/list` and per `call_integration_api`, one client, sequential (the MCP SDK's cost on the hot path).
import { performance } from 'node:perf_hooks';
import { cpuNow, cpuSince } from '../lib/cpu.js';
import type { BenchEnvironment } from '../lib/gateway-env.js';
import { round } from '../lib/stats.js';

export interface PerCallCpuOptions {
  warmup: number;
  iterations: number;
}

export interface PerCallCost {
  calls: number;
  /** Server child CPU (user + system) per call, in ms; null without /proc. */
  serverCpuMs: number | null;
  /** Wall time per call as the client sees it, in ms. */
  wallMs: number;
}

export interface PerCallCpuResult {
  toolsList: PerCallCost;
  callIntegrationApi: PerCallCost;
}

export async function runPerCallCpu(
  bench: BenchEnvironment,
  options: PerCallCpuOptions,
): Promise<PerCallCpuResult> {
  const client = await bench.connect('cpu');
  await bench.grantLinearRead(client);
  const list = async () => {
    const { tools } = await client.listTools();
    if (tools.length === 0) throw new Error('tools/list answered no tools');
  };
  const call = () => bench.callLinear(client);
  for (let i = 0; i < options.warmup; i++) {
    await list();
    await call();
  }
  return {
    toolsList: await measure(bench, options.iterations, list),
    callIntegrationApi: await measure(bench, options.iterations, call),
  };
}

async function measure(
  bench: BenchEnvironment,
  calls: number,
  fn: () => Promise<void>,
): Promise<PerCallCost> {
  const start = await cpuNow(bench.serverPid);
  const started = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  const wall = performance.now() - started;
  const used = await cpuSince(start, bench.serverPid);
  return {
    calls,
    serverCpuMs: used.serverMs === null ? null : round(used.serverMs / calls, 3),
    wallMs: round(wall / calls, 3),
  };
}
