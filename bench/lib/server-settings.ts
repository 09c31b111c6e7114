// Settings every bench server child gets: production's shape (the build, info logs), wide windows, no request
// limit, and the CPU-profile preload on request.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const MINUTE = 60_000;
/** Given to the server and to the bench's store alike, so both apply the same windows. */
export const DURATIONS = {
  decisionWindowMs: 5 * MINUTE,
  maxAccessMs: 60 * MINUTE,
  retentionMs: 24 * 60 * MINUTE,
  sessionTtlMs: 7 * 24 * 60 * MINUTE,
};

/** USAGE_REFRESH given to bench servers (the default): one usage re-render per grant per this window. */
export const USAGE_REFRESH_MS = 5_000;

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
    USAGE_REFRESH: `${USAGE_REFRESH_MS}ms`,
    // To compare turn bounds (MAX_ACTIVE_REQUESTS, default 4) without editing the bench: BENCH_MAX_ACTIVE_REQUESTS=256.
    ...(process.env.BENCH_MAX_ACTIVE_REQUESTS
      ? { MAX_ACTIVE_REQUESTS: process.env.BENCH_MAX_ACTIVE_REQUESTS }
      : {}),
    // --cpu-prof is not allowed in NODE_OPTIONS, --import is: a preload starts the sampler in the child.
    ...(profileDir
      ? {
          NODE_OPTIONS: `--import ${new URL('./cpu-profile-hook.mjs', import.meta.url).href}`,
          BENCH_CPU_PROFILE_DIR: profileDir,
          ...(process.env.BENCH_HEAP_PROFILE === '1' || process.argv.includes('--heap')
            ? { BENCH_HEAP_PROFILE: '1' }
            : {}),
        }
      : {}),
  };
}

/**
 * What the gateway and Slack benchmarks add: production's log level (every call logs its audit event). NODE_ENV
 * stays 'test' (test/support/server-process.ts): with 'production' the config refuses UPSTREAM_ALLOW_LOOPBACK_HTTP
 * and the stand-ins are loopback HTTP; nothing in src reads NODE_ENV beyond those configuration checks.
 */
export const PRODUCTION_SHAPE = { LOG_LEVEL: 'info' };

/**
 * How bench servers are spawned: the build (`dist/main.js`, which the bench makes first with `npm run build`)
 * unless BENCH_TSX=1, and their output drained rather than kept (every call logs its audit event at info).
 */
export function serverSpawn(): { compiled: boolean; dropOutputAfterStart: boolean } {
  return {
    compiled: process.env.BENCH_TSX !== '1' && existsSync(new URL('../../dist/main.js', import.meta.url)),
    dropOutputAfterStart: true,
  };
}

/** `npm run build` (tsc to dist/, the Lua scripts copied), unless BENCH_TSX=1; returns whether it built. */
export function buildServer(): boolean {
  if (process.env.BENCH_TSX === '1') return false;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  return true;
}
