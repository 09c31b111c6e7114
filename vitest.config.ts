import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Generous deadlines everywhere: tests wait for outcomes, never race the clock (the suite must pass on a machine
// 4x slower, `npm run test:load`). Latency goals live in the bench. No retries: a flaky test is a bug to fix.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll's default (1 s) is a wall-clock bound in disguise.
    expect: { poll: { timeout: 30_000 } },
    pool: 'forks',
    // Most of a test file's time is spent waiting (deadlines, Slack windows), so two files at once pay off
    // even on 2 cores (vitest's own default there is one); more than four would only have the spawned servers
    // and Chromium starve each other.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism() - 1)),
    reporters: ['default'],
  },
});
