// BullMQ workers can stop taking jobs after a Redis failover or restart (taskforcesh/bullmq#648, #2964, #3088):
// the worker says it runs, jobs wait, none is taken, no error is raised. This watchdog notices — jobs waiting,
// none running, none taken for a while — and has the worker replaced, so a failover never needs a restart.

export interface WorkerWatchdogOptions {
  /** How often to look (default 2.5 s). */
  everyMs?: number;
  /**
   * Waiting jobs untouched this long with nothing running and the queue not rate-limited means stuck (default
   * 10 s: a healthy worker takes a waiting job within milliseconds, and calls wait on it after a failover).
   */
  stuckAfterMs?: number;
  /** Jobs waiting and jobs running now, and how long the queue is still rate-limited (ms; 0 = not), from Redis. */
  counts(): Promise<{ waiting: number; active: number; rateLimitedMs: number }>;
  /** When this process last took a job (epoch ms). */
  lastTaken(): number;
  /** Replaces the worker; the watchdog waits for it before looking again. */
  replace(): Promise<void>;
  onStuck(detail: { waiting: number; idleMs: number }): void;
  now?: () => number;
}

/** Starts looking; the returned function stops it. Redis errors while looking are ignored (readiness says it). */
export function watchWorker(options: WorkerWatchdogOptions): () => void {
  const now = options.now ?? Date.now;
  const stuckAfterMs = options.stuckAfterMs ?? 10_000;
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      const idleMs = now() - options.lastTaken();
      if (idleMs < stuckAfterMs) return;
      const { waiting, active, rateLimitedMs } = await options.counts();
      // A Redis blip pauses the queue on purpose: jobs wait and none is taken.
      if (waiting === 0 || active > 0 || rateLimitedMs > 0) return;
      options.onStuck({ waiting, idleMs });
      await options.replace();
    } catch {
      // Redis is away: nothing can be taken anyway, and the next look tries again.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void look(), options.everyMs ?? 2_500);
  timer.unref();
  return () => clearInterval(timer);
}
