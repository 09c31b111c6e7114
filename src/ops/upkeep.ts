// Self-healing background upkeep, every few seconds and at once on each Redis reconnect: the data-epoch check
// (every role), and for worker-role processes the heartbeat and the re-creation of missing job schedulers.
import type { Logger } from '../lib/logger.js';

/** A Redis connection whose 'ready' (first connect and every reconnect) triggers a run. */
export interface ReconnectSource {
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

export interface UpkeepTask {
  name: string;
  run(): Promise<void>;
}

export interface UpkeepOptions {
  tasks: UpkeepTask[];
  everyMs: number;
  reconnects: ReconnectSource[];
  logger: Logger;
}

export interface Upkeep {
  /** Runs every task now (those still running from the last round are left to finish). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startUpkeep(options: UpkeepOptions): Upkeep {
  const running = new Map<string, Promise<void>>();
  let stopped = false;
  const runTask = (task: UpkeepTask): Promise<void> => {
    const busy = running.get(task.name);
    if (busy) return busy;
    const run = task
      .run()
      // Redis being away is logged by its connections already; this only says which round it cost.
      .catch((error: unknown) => options.logger.debug({ err: error, task: task.name }, 'upkeep task failed'))
      .finally(() => running.delete(task.name));
    running.set(task.name, run);
    return run;
  };
  const runNow = async () => {
    if (stopped) return;
    await Promise.all(options.tasks.map(runTask));
  };
  const onReady = () => void runNow();
  const timer = setInterval(onReady, options.everyMs);
  timer.unref();
  for (const source of options.reconnects) source.on('ready', onReady);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const source of options.reconnects) source.off('ready', onReady);
      // A task stuck on a Redis that is away must not hold the shutdown.
      const late = new Promise((resolve) => setTimeout(resolve, options.everyMs).unref());
      await Promise.race([Promise.all(running.values()), late]);
    },
  };
}

/** How often upkeep runs: schedulers come back and a reset is seen within about this long. */
export const UPKEEP_EVERY_MS = 2000;
