// Refresh retries last as long as the grant's records: the capped backoff's attempts add up to the retention.
import { describe, expect, it } from 'vitest';
import { attemptsWithin, retryDelayMs } from '../../../src/jobs/grant-jobs.js';

const waitedBefore = (attempts: number) => {
  let total = 0;
  for (let made = 1; made < attempts; made++) total += retryDelayMs(made);
  return total;
};

describe('attemptsWithin', () => {
  it('retries a failing Slack for the whole retention window, and not much longer', () => {
    for (const windowMs of [60_000, 3_600_000, 24 * 3_600_000, 7 * 24 * 3_600_000]) {
      const attempts = attemptsWithin(windowMs);
      expect(waitedBefore(attempts)).toBeGreaterThanOrEqual(windowMs);
      expect(waitedBefore(attempts - 1)).toBeLessThan(windowMs);
    }
    // 24 h at the 30 s cap is ~2,900 attempts, far beyond the old 8 (about a minute).
    expect(attemptsWithin(24 * 3_600_000)).toBeGreaterThan(2800);
  });
});
