// The sweep timer: a first round at once, rounds that never overlap, a pause after a 429, and a stop that waits
// for the round in progress.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { startSweepTimer } from '../../../src/jobs/sweep-timer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the sweep timer', () => {
  it('sweeps at once, then one round at a time with the pause between rounds', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let rounds = 0;
    const timer = startSweepTimer({
      everyMs: 250,
      sweep: async () => {
        running += 1;
        most = Math.max(most, running);
        rounds += 1;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        running -= 1;
      },
    });
    expect(rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(rounds).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(most).toBe(1);
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
    const after = rounds;
    await vi.advanceTimersByTimeAsync(5000);
    expect(rounds).toBe(after);
  });

  it('waits out the delay Slack asked for, and keeps sweeping after a failure', async () => {
    vi.useFakeTimers();
    const outcomes: Array<Error | null> = [new RetryLater(3000), new Error('boom'), null];
    let rounds = 0;
    const warn = vi.fn();
    const timer = startSweepTimer({
      everyMs: 250,
      logger: { warn } as never,
      sweep: async () => {
        const outcome = outcomes[rounds++] ?? null;
        if (outcome) throw outcome;
      },
    });
    await vi.advanceTimersByTimeAsync(2900);
    expect(rounds).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(rounds).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(rounds).toBe(3);
    await timer.stop();
  });

  it('stop resolves only after the round in progress has ended', async () => {
    let finish: () => void = () => undefined;
    const timer = startSweepTimer({
      everyMs: 250,
      sweep: () => new Promise<void>((resolve) => (finish = resolve)),
    });
    let stopped = false;
    const stopping = timer.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });
});
