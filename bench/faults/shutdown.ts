// Faults bench: SIGTERM while idle keep-alive clients stay connected, with and without work in flight (an
// upstream call the demo provider answers after 3 s, and a long poll). Measures the time from the last piece of
// work (the in-flight answer reaching its client, or the signal when nothing runs) to the process's exit.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { Agent, request } from 'undici';
import { ALICE } from '../../src/sandbox/people.js';
import { grantAccess, requestAccess, storeFor } from '../../test/support/fault-access.js';
import { callTool } from '../../test/support/mcp-client.js';
import { REDIS_URL } from '../../test/support/redis.js';
import { startEnvironment } from '../../test/support/server-process.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { serverSettings } from '../lib/server-settings.js';
import type { FaultRow } from './row.js';

const SETTINGS = { trials: 3, idleSockets: 8, graceMs: 60_000 };
const TARGET_MS = 1_000;

interface Trial {
  /** SIGTERM to exit. */
  totalMs: number;
  /** Last piece of work (answer at the client, or the signal) to exit. */
  tailMs: number;
  workOk: boolean;
  code: number | null;
}

export async function runShutdownFaults(): Promise<FaultRow[]> {
  const env = await startEnvironment({
    ...serverSettings(),
    REDIS_URL,
    SHUTDOWN_GRACE: `${SETTINGS.graceMs}ms`,
  });
  const grants = storeFor(REDIS_URL, env.prefix);
  const busy: Trial[] = [];
  const idle: Trial[] = [];
  try {
    for (let i = 0; i < SETTINGS.trials * 2; i++) {
      if (i > 0) await env.restart();
      const withWork = i % 2 === 0;
      (withWork ? busy : idle).push(await trial(env, grants.store, withWork, i));
    }
  } finally {
    await grants.store.close();
    grants.redis.disconnect();
    await env.stop();
  }
  const max = (trials: Trial[], pick: (t: Trial) => number) => Math.max(...trials.map(pick));
  const all = [...busy, ...idle];
  const scenario = `SIGTERM, ${SETTINGS.idleSockets} idle keep-alive sockets + 2 MCP clients (${SETTINGS.trials} trials each)`;
  const busyTail = max(busy, (t) => t.tailMs);
  const idleTail = max(idle, (t) => t.tailMs);
  return [
    {
      scenario,
      metric: 'work in flight (3 s upstream call, long poll): last answer → exit, max',
      value: `${busyTail} ms`,
      target: `≤ ${TARGET_MS / 1000} s`,
      met: busyTail <= TARGET_MS,
    },
    {
      scenario,
      metric: 'work in flight: SIGTERM → exit, max',
      value: `${max(busy, (t) => t.totalMs)} ms`,
    },
    {
      scenario,
      metric: 'nothing in flight: SIGTERM → exit, max',
      value: `${idleTail} ms`,
      target: `≤ ${TARGET_MS / 1000} s`,
      met: idleTail <= TARGET_MS,
    },
    {
      scenario,
      metric: 'in-flight work completed / clean exits (code 0)',
      value: `${busy.filter((t) => t.workOk).length}/${busy.length} / ${all.filter((t) => t.code === 0).length}/${all.length}`,
      target: 'all',
      met: busy.every((t) => t.workOk) && all.every((t) => t.code === 0),
    },
  ];
}

async function trial(
  env: Awaited<ReturnType<typeof startEnvironment>>,
  store: ReturnType<typeof storeFor>['store'],
  withWork: boolean,
  n: number,
): Promise<Trial> {
  const { child, url } = env.server;
  const exited = once(child, 'exit');
  const clients: Client[] = [];
  const connect = async (sid: string) => {
    const token = await env.workos.mintAccessToken(ALICE.id, { sid });
    const client = await connectBenchClient(url, token, sid);
    clients.push(client);
    return client;
  };
  const assistant = await connect(`bench_term_${n}_a`);
  const waiter = await connect(`bench_term_${n}_b`);
  await grantAccess(assistant, store, ['notion']);
  const pending = await requestAccess(waiter, ['linear']);
  const agent = new Agent({ keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
  await Promise.all(
    Array.from({ length: SETTINGS.idleSockets }, () =>
      request(`${url}/healthz`, { dispatcher: agent }).then((r) => r.body.dump()),
    ),
  );

  let lastWorkAt = 0;
  const work: Promise<boolean>[] = [];
  if (withWork) {
    const seen = env.demo.calls().length;
    const done = <T>(result: T) => {
      lastWorkAt = Math.max(lastWorkAt, Date.now());
      return result;
    };
    work.push(
      callTool(assistant, 'call_integration_api', {
        url: `${env.demo.notionUrl}/v1/pages/slow`,
        method: 'GET',
      })
        .then(done)
        .then((r) => !r.isError && r.structuredContent?.status === 200),
      callTool(waiter, 'check_access_request', { requestId: pending, waitSeconds: 25 })
        .then(done)
        .then((r) => r.structuredContent?.status === 'pending'),
    );
    while (
      !env.demo
        .calls()
        .slice(seen)
        .some((c) => c.path === '/v1/pages/slow')
    )
      await sleep(20);
  }
  const termAt = Date.now();
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  const exitAt = Date.now();
  const results = await Promise.all(work.map((w) => w.catch(() => false)));
  await agent.close().catch(() => undefined);
  await Promise.allSettled(clients.map((c) => c.close()));
  return {
    totalMs: exitAt - termAt,
    tailMs: exitAt - Math.max(termAt, lastWorkAt),
    workOk: results.every(Boolean),
    code,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runShutdownFaults();
  console.table(rows);
  process.exit(0);
}
