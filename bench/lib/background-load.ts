// Background load in a process of its own: `clients` MCP clients calling `call_integration_api` in a loop until
// told to stop. A latency measured in the bench process (a decision reaching the assistant, a click's answer)
// must not wait behind the load generator's own event loop, as it would if both shared one process: real
// assistants call from other machines.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { connectBenchClient } from './mcp-client.js';
import { toolCallRecorder, WireCallers } from './wire-caller.js';

export interface BackgroundLoadPlan {
  /** The server's base URL. */
  serverUrl: string;
  /** One bearer token per client, each for a session that already holds a grant for `url`. */
  tokens: string[];
  url: string;
  body: unknown;
}

export interface BackgroundLoadResult {
  calls: number;
  errors: number;
  callsPerSecond: number;
  firstError: string | null;
}

type FromChild = { ready: true } | { result: BackgroundLoadResult } | { failed: string };

export interface BackgroundLoad {
  /** The load process. */
  pid: number;
  /** Stops the loop and resolves with what the clients did meanwhile. */
  stop(): Promise<BackgroundLoadResult>;
}

/** Starts the load process and resolves once every client is connected and calling. */
export async function startBackgroundLoad(plan: BackgroundLoadPlan): Promise<BackgroundLoad> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BENCH_BACKGROUND_LOAD: JSON.stringify(plan) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await nextMessage(child, (m) => 'ready' in m);
  return {
    pid: child.pid!,
    async stop() {
      const done = nextMessage(child, (m) => 'result' in m);
      child.send('stop');
      const message = (await done) as { result: BackgroundLoadResult };
      child.disconnect();
      return message.result;
    },
  };
}

function nextMessage(child: ChildProcess, wanted: (m: FromChild) => boolean): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if ('failed' in m) finish(() => reject(new Error(`background load failed: ${m.failed}`)));
      else if (wanted(m)) finish(() => resolve(m));
    };
    const onExit = (code: number | null) =>
      finish(() => reject(new Error(`background load exited with ${code}`)));
    const finish = (settle: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** The child's side: connect, report ready, call until `stop`, report the counts. */
async function runAsChild(plan: BackgroundLoadPlan): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  try {
    // Each client's first call goes through the SDK; the loop replays it on the wire (lib/wire-caller.ts).
    const wire = new WireCallers();
    const calls = await Promise.all(
      plan.tokens.map(async (token, i) => {
        const recorder = toolCallRecorder();
        const client = await connectBenchClient(
          plan.serverUrl,
          token,
          `bench-background-${i}`,
          recorder.fetch,
        );
        const first = await callTool(client, 'call_integration_api', { url: plan.url, body: plan.body });
        if (first.isError) throw new Error(textOf(first).slice(0, 200));
        await client.close();
        return wire.caller(recorder.latest()!);
      }),
    );
    let running = true;
    let done = 0;
    let errors = 0;
    let firstError: string | null = null;
    process.once('message', () => {
      running = false;
    });
    const started = performance.now();
    const loops = calls.map(async (call) => {
      while (running) {
        try {
          await call();
          done++;
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    });
    send({ ready: true });
    await Promise.all(loops);
    const seconds = (performance.now() - started) / 1000;
    await wire.close();
    send({ result: { calls: done, errors, callsPerSecond: done / seconds, firstError } });
  } catch (error) {
    send({ failed: String(error) });
  }
}

const planText = process.env.BENCH_BACKGROUND_LOAD;
if (planText && process.argv[1] === fileURLToPath(import.meta.url)) {
  await runAsChild(JSON.parse(planText) as BackgroundLoadPlan);
  process.disconnect?.();
}
