// The five things the ceiling section loads, each ready to call: the bare ceiling (bench/lib/bare-proxy.mjs), the
// SDK floor as shipped and through our bridge (bench/lib/sdk-floor.mjs), and our server with and without Slack.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { callTool } from '../../test/support/mcp-client.js';
import { type BenchEnvironment, LINEAR_QUERY, sleep } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { USAGE_REFRESH_MS } from '../lib/server-settings.js';
import { toolCallRecorder, WireCallers } from '../lib/wire-caller.js';

export type Call = () => Promise<void>;

export interface CeilingTarget {
  name: string;
  /** One call per concurrent client (32), each on its own session where sessions exist. */
  calls: Call[];
  pid: number | undefined;
  /** Epoch ms before which Redis per call is not measured (see usageWindowAfter); 0 when nothing is left behind. */
  quietFrom: number;
  stop(): Promise<void>;
}

/** Longest the setup's grant refreshes are waited for before measuring (32 self-approval posts into one DM). */
const SETTLE_MAX_MS = 90_000;

/** Our server: `clients` sessions, each with an approved read grant, calling Linear through call_integration_api. */
export async function serverTarget(
  name: string,
  bench: BenchEnvironment,
  clients: number,
): Promise<CeilingTarget> {
  const connected = await Promise.all(
    Array.from({ length: clients }, (_, i) => bench.connect(`ceiling_${i}`)),
  );
  for (const client of connected) await bench.grantLinearRead(client);
  // The same load generator as the ceiling's: requests on an undici Pool (the SDK client's exact bytes, replayed).
  const calls = await Promise.all(connected.map((client) => bench.wireCallLinear(client)));
  await bench.grantJobsSettled(SETTLE_MAX_MS);
  return { name, calls, pid: bench.serverPid, quietFrom: usageWindowAfter(Date.now()), stop: async () => {} };
}

/** The Pipes token the server injected on its latest Linear call, in a grant key the two plain processes read. */
export async function sharedGrant(bench: BenchEnvironment): Promise<string> {
  const first = await bench.connect('ceiling_token');
  await bench.grantLinearRead(first);
  await bench.callLinear(first);
  const token = bench.env.demo
    .calls()
    .at(-1)
    ?.authorization?.replace(/^Bearer /, '');
  if (!token) throw new Error('no Pipes token seen upstream');
  const grantKey = `${bench.env.prefix}bare:grant`;
  await bench.redis.set(grantKey, JSON.stringify({ status: 'approved', token }), 'PX', 3_600_000);
  return grantKey;
}

/** The bare proxy on the same Redis and upstream, with the Pipes token the server used. */
export async function bareTarget(
  bench: BenchEnvironment,
  redisUrl: string,
  grantKey: string,
  clients: number,
): Promise<CeilingTarget> {
  const proxy = await spawnPlain('bare-proxy.mjs', {
    REDIS_URL: redisUrl,
    GRANT_KEY: grantKey,
    UPSTREAM: bench.env.demo.linearUrl,
  });
  const pool = new Pool(proxy.url, { connections: 64, keepAliveTimeout: 30_000 });
  const body = JSON.stringify(LINEAR_QUERY);
  const call: Call = async () => {
    const res = await pool.request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const parsed = (await res.body.json()) as { body?: { data?: unknown } };
    if (res.statusCode !== 200 || !parsed.body?.data)
      throw new Error(`bare proxy answered ${res.statusCode}`);
  };
  return {
    name: 'bare ceiling',
    calls: Array.from({ length: clients }, () => call),
    pid: proxy.child.pid,
    quietFrom: 0,
    async stop() {
      await pool.close();
      proxy.child.kill('SIGTERM');
    },
  };
}

/** The SDK's two floors (bench/lib/sdk-floor.mjs): as shipped, and through our server's own per-request savings. */
export const FLOORS = {
  shipped: { name: 'SDK floor', bridge: 'sdk' },
  ours: { name: 'SDK floor, our bridge', bridge: 'ours' },
} as const;

/** An SDK floor, called as our server is: an SDK client's tools/call recorded once, then replayed on the wire. */
export async function floorTarget(
  bench: BenchEnvironment,
  redisUrl: string,
  grantKey: string,
  clients: number,
  floorKind: (typeof FLOORS)[keyof typeof FLOORS],
): Promise<CeilingTarget> {
  const floor = await spawnPlain('sdk-floor.mjs', {
    REDIS_URL: redisUrl,
    GRANT_KEY: grantKey,
    UPSTREAM: bench.env.demo.linearUrl,
    BRIDGE: floorKind.bridge,
  });
  const wire = new WireCallers();
  const recorder = toolCallRecorder();
  const client = await connectBenchClient(floor.url, 'unused', 'bench-sdk-floor', recorder.fetch);
  try {
    const result = await callTool(client, 'call_integration_api', {
      url: bench.linearGraphqlUrl,
      body: LINEAR_QUERY,
    });
    if (result.isError || result.structuredContent?.ok !== true) throw new Error('the SDK floor call failed');
  } finally {
    await client.close();
  }
  const recorded = recorder.latest();
  if (!recorded) throw new Error('no tools/call recorded for the SDK floor');
  const call = wire.caller(recorded);
  return {
    name: floorKind.name,
    calls: Array.from({ length: clients }, () => call),
    pid: floor.child.pid,
    quietFrom: 0,
    async stop() {
      await wire.close();
      floor.child.kill('SIGTERM');
    },
  };
}

/** Waits for the moment `quietFrom` names. */
export const untilQuiet = (target: CeilingTarget) => sleep(target.quietFrom - Date.now());

/**
 * When the usage re-renders caused by the calls made before `at` have run: one per grant, at the end of the
 * USAGE_REFRESH window of its calls, plus a second for the jobs to finish. The setup's first call on each of the
 * 32 grants leaves 32 of them; on a fast machine the one-client phase ends before they are due, and Redis per call
 * then counted them (3.8 commands a call instead of 2.1) although they belong to no call it measures.
 */
function usageWindowAfter(at: number): number {
  return (Math.floor(at / USAGE_REFRESH_MS) + 1) * USAGE_REFRESH_MS + 1_000;
}

/** Starts one of the plain-JS processes in bench/lib, which print `listening on <url>` once ready. */
async function spawnPlain(
  file: string,
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL(`../lib/${file}`, import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${output}`)));
  });
  return { url, child };
}
