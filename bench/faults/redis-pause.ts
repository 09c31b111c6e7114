// Faults bench: Redis stalls for 10 s (CLIENT PAUSE ALL on a private redis-server) while 16 assistants call
// through the gateway. Every call made during the stall must be answered (unavailable / 503) within the command
// timeout plus 0.5 s at p99, none may hang, and calls must work again once Redis does.
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { ALICE } from '../../src/sandbox/people.js';
import {
  type FaultOutcome,
  grantAccess,
  outcomeOf,
  pauseRedis,
  storeFor,
} from '../../test/support/fault-access.js';
import { callTool } from '../../test/support/mcp-client.js';
import { startPrivateRedis } from '../../test/support/private-redis.js';
import { startEnvironment } from '../../test/support/server-process.js';
import { LINEAR_QUERY, sleep } from '../lib/gateway-env.js';
import { connectBenchClient } from '../lib/mcp-client.js';
import { serverSettings } from '../lib/server-settings.js';
import { summarize } from '../lib/stats.js';
import type { FaultRow } from './row.js';

const SETTINGS = { clients: 16, pauseMs: 10_000, timeoutMs: 2_000, beforeMs: 1_000, afterMs: 3_000 };
/** A call that took longer than this waited for Redis instead of failing fast: it hung. */
const HUNG_MS = SETTINGS.timeoutMs + 5_000;
const SCENARIO = `Redis CLIENT PAUSE ${SETTINGS.pauseMs / 1000} s (${SETTINGS.clients} clients)`;

interface Sample {
  start: number;
  end: number;
  outcome: FaultOutcome;
}

export async function runRedisPauseFaults(): Promise<FaultRow[]> {
  const redis = await startPrivateRedis();
  const env = await startEnvironment({
    ...serverSettings(),
    REDIS_URL: redis.url,
    REDIS_COMMAND_TIMEOUT: `${SETTINGS.timeoutMs}ms`,
  });
  const grants = storeFor(redis.url, env.prefix);
  const clients: Client[] = [];
  try {
    const url = `${env.demo.linearUrl}/graphql`;
    for (let i = 0; i < SETTINGS.clients; i++) {
      const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_pause_${i}` });
      const client = await connectBenchClient(env.server.url, token, `bench-pause-${i}`);
      await grantAccess(client, grants.store, ['linear']);
      clients.push(client);
    }
    const call = (client: Client) =>
      outcomeOf(callTool(client, 'call_integration_api', { url, body: LINEAR_QUERY }));
    for (const client of clients) {
      const warm = await call(client);
      if (warm !== 'ok') throw new Error(`warm-up call answered ${warm}`);
    }

    const samples: Sample[] = [];
    let running = true;
    const loops = clients.map(async (client) => {
      while (running) {
        const start = Date.now();
        const outcome = await call(client);
        samples.push({ start, end: Date.now(), outcome });
        // An assistant told to retry does not retry in a tight loop.
        if (outcome !== 'ok') await sleep(100);
      }
    });
    await sleep(SETTINGS.beforeMs);
    const pausedAt = Date.now();
    const pause = await pauseRedis(redis.url, SETTINGS.pauseMs);
    const over = await pause.over;
    await sleep(SETTINGS.afterMs);
    running = false;
    await Promise.all(loops);

    const during = samples.filter((s) => s.start >= pausedAt && s.start < over);
    const refused = during.filter((s) => s.outcome === 'unavailable' || s.outcome === 'http_503');
    // Calls that met the pause's end ran into a live Redis again; only those fully inside it must fail fast.
    const answerMs = summarize(refused.map((s) => s.end - s.start));
    const hung = samples.filter((s) => s.end - s.start > HUNG_MS).length;
    const internal = samples.filter((s) => s.outcome === 'internal_error' || s.outcome === 'other').length;
    const firstOk = samples
      .filter((s) => s.outcome === 'ok' && s.start >= over)
      .reduce((first, s) => Math.min(first, s.end), Number.POSITIVE_INFINITY);
    const count = (outcome: FaultOutcome) => during.filter((s) => s.outcome === outcome).length;
    const targetMs = SETTINGS.timeoutMs + 500;
    return [
      {
        scenario: SCENARIO,
        metric: 'calls started in the pause: unavailable / 503 / ok',
        value: `${count('unavailable')} / ${count('http_503')} / ${count('ok')}`,
      },
      {
        scenario: SCENARIO,
        metric: `answer time in the pause p50 / p99 (timeout ${SETTINGS.timeoutMs / 1000} s)`,
        value: `${(answerMs.p50 / 1000).toFixed(2)} s / ${(answerMs.p99 / 1000).toFixed(2)} s`,
        target: `≤ ${targetMs / 1000} s p99`,
        met: refused.length > 0 && answerMs.p99 <= targetMs,
      },
      {
        scenario: SCENARIO,
        metric: `calls hung (over ${HUNG_MS / 1000} s)`,
        value: String(hung),
        target: '0',
        met: hung === 0,
      },
      {
        scenario: SCENARIO,
        metric: 'internal_error or other failures',
        value: String(internal),
        target: '0',
        met: internal === 0,
      },
      {
        scenario: SCENARIO,
        metric: 'first successful call after the pause',
        value: Number.isFinite(firstOk) ? `${firstOk - over} ms` : 'none',
        met: Number.isFinite(firstOk),
      },
    ];
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await grants.store.close();
    grants.redis.disconnect();
    await env.stop();
    await redis.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runRedisPauseFaults();
  console.table(rows);
  process.exit(0);
}
