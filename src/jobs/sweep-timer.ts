// Runs the deadline sweep on a timer in every worker-role process, outside the BullMQ queue: a worker that starts
// after a crash sweeps at once instead of waiting behind the dead worker's backlog and the stalled-job check.
// Rounds never overlap; the sweep's leases make several processes sweeping at once safe.
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../lib/unavailable.js';
import { RetryLater } from './grant-jobs.js';

export interface SweepTimer {
  /** Stops scheduling rounds and resolves once the round in progress (if any) has ended. */
  stop(): Promise<void>;
}

export interface SweepTimerOptions {
  sweep: () => Promise<void>;
  /** Pause between the end of one round and the start of the next. */
  everyMs: number;
  logger?: Logger;
}

/** The first round starts at once (a restarted worker catches up without waiting a period). */
export function startSweepTimer({ sweep, everyMs, logger }: SweepTimerOptions): SweepTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const round = async () => {
    timer = null;
    let pause = everyMs;
    try {
      await sweep();
    } catch (error) {
      // Slack asked us to slow down (a reminder hit a 429), or Redis stalled: wait that out, then sweep again.
      // What was taken is given back by the sweep itself, so nothing is lost meanwhile.
      if (error instanceof RetryLater) pause = Math.max(everyMs, error.delayMs);
      else if (isUnavailable(error)) pause = Math.max(everyMs, RETRY_AFTER_SECONDS * 1000);
      else logger?.warn({ err: error }, 'deadline sweep failed; retrying');
    }
    if (!stopped) timer = setTimeout(tick, pause);
  };
  const tick = () => {
    running = round();
  };
  tick();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
