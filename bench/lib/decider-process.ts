// Decision → assistant in a process of its own: the waiting assistant and the approval both run here, on an event
// loop that does nothing else, so the time measured is the server's (and Redis'). In the bench process the same
// client shared its event loop with the stand-ins, which serve the background load's ~1,500 provider calls a
// second there: its answer then waited behind them, as no real assistant's would (assistants call from other
// machines, and a person's approval comes from Slack).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import {
  type DecisionOptions,
  type DecisionResult,
  runDecisionLatency,
} from '../gateway/decision-latency.js';
import { connectBenchClient } from './mcp-client.js';
import { DURATIONS } from './server-settings.js';

export interface DeciderPlan {
  serverUrl: string;
  /** A bearer token for the assistant's own session. */
  token: string;
  redisUrl: string;
  /** The server's Redis prefix: the approvals are applied to its grants. */
  prefix: string;
  options: DecisionOptions;
}

type FromChild = { result: DecisionResult } | { failed: string };

/** Runs `runDecisionLatency` in a child process (it inherits this one's cores) and resolves with its result. */
export function decideInChild(plan: DeciderPlan): Promise<DecisionResult> {
  const script = fileURLToPath(import.meta.url);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BENCH_DECIDER: JSON.stringify(plan) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: FromChild) => {
      if ('failed' in m) reject(new Error(`decider failed: ${m.failed}`));
      else resolve(m.result);
    });
    child.once('exit', (code) => reject(new Error(`decider exited with ${code} before its result`)));
  });
}

async function runAsChild(plan: DeciderPlan): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const redis = new Redis(plan.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const store = new RedisGrantStore(redis, { prefix: plan.prefix, ...DURATIONS });
  try {
    const client = await connectBenchClient(plan.serverUrl, plan.token, 'bench-decider');
    try {
      send({ result: await runDecisionLatency({ connect: async () => client, store }, plan.options) });
    } finally {
      await client.close();
    }
  } catch (error) {
    send({ failed: String(error) });
  } finally {
    await store.close();
    await redis.quit();
  }
}

const planText = process.env.BENCH_DECIDER;
if (planText && process.argv[1] === fileURLToPath(import.meta.url)) {
  await runAsChild(JSON.parse(planText) as DeciderPlan);
  process.disconnect?.();
}
