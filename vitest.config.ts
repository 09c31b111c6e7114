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
    reporters: ['default'],
  },
});
