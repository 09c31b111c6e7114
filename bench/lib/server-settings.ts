// Settings every bench server child gets: wide windows, no request limit, and the CPU-profile preload on request.

const MINUTE = 60_000;
/** Given to the server and to the bench's store alike, so both apply the same windows. */
export const DURATIONS = {
  decisionWindowMs: 5 * MINUTE,
  maxAccessMs: 60 * MINUTE,
  retentionMs: 24 * 60 * MINUTE,
  sessionTtlMs: 7 * 24 * 60 * MINUTE,
};

/** Environment for the server child; `profileDir` makes it write a .cpuprofile there when it exits. */
export function serverSettings(profileDir?: string): Record<string, string> {
  return {
    LOG_LEVEL: 'warn',
    // Benchmarks create hundreds of requests a minute for one user; the default limit (20) is for people.
    REQUESTS_PER_MINUTE: '100000',
    APPROVER_EMAILS: 'bob@sandbox.test',
    DECISION_WINDOW: `${DURATIONS.decisionWindowMs}ms`,
    MAX_ACCESS_DURATION: `${DURATIONS.maxAccessMs}ms`,
    GRANT_RETENTION: `${DURATIONS.retentionMs}ms`,
    SESSION_TTL: `${DURATIONS.sessionTtlMs}ms`,
    // --cpu-prof is not allowed in NODE_OPTIONS, --import is: a preload starts the sampler in the child.
    ...(profileDir
      ? {
          NODE_OPTIONS: `--import ${new URL('./cpu-profile-hook.mjs', import.meta.url).href}`,
          BENCH_CPU_PROFILE_DIR: profileDir,
        }
      : {}),
  };
}
