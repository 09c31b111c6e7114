// The worker watchdog replaces a BullMQ worker that takes no job while jobs wait, and nothing else.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchWorker } from '../../../src/jobs/worker-watchdog.js';

afterEach(() => vi.useRealTimers());

function world(counts: { waiting: number; active: number; rateLimitedMs?: number }, lastTaken: number) {
  vi.useFakeTimers();
  const replaced: number[] = [];
  const stuck: unknown[] = [];
  const stop = watchWorker({
    everyMs: 1000,
    stuckAfterMs: 20_000,
    counts: async () => ({ rateLimitedMs: 0, ...counts }),
    lastTaken: () => lastTaken,
    replace: async () => {
      replaced.push(Date.now());
    },
    onStuck: (detail) => stuck.push(detail),
  });
  return { replaced, stuck, stop };
}

describe('watchWorker', () => {
  it('replaces a worker that took nothing for longer than the limit while jobs wait and none runs', async () => {
    const w = world({ waiting: 3, active: 0 }, Date.now() - 25_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.replaced).toHaveLength(1);
    expect(w.stuck[0]).toMatchObject({ waiting: 3 });
    w.stop();
  });

  it('leaves alone a worker that is busy, idle with nothing waiting, took a job lately, or is rate-limited', async () => {
    for (const [counts, idle] of [
      [{ waiting: 3, active: 2 }, 60_000],
      [{ waiting: 0, active: 0 }, 60_000],
      [{ waiting: 5, active: 0 }, 5_000],
      [{ waiting: 5, active: 0, rateLimitedMs: 30_000 }, 60_000],
    ] as const) {
      const w = world(counts, Date.now() - idle);
      await vi.advanceTimersByTimeAsync(3000);
      expect(w.replaced).toHaveLength(0);
      w.stop();
      vi.useRealTimers();
    }
  });
});
