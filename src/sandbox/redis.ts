// Sandbox convenience: use the Redis at REDIS_URL, or start a private redis-server when none answers. Its data
// lives in .redis-sandbox/ with AOF on, so requests and grants survive restarting the sandbox.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export interface PrivateRedis {
  url: string;
  /** SIGTERM: Redis flushes its append-only file and exits; resolves once it has. */
  stop(): Promise<void>;
}

/** Where the sandbox's private Redis keeps its append-only file (git-ignored), relative to the working folder. */
export const SANDBOX_REDIS_DIR = '.redis-sandbox';

/**
 * Starts `redis-server` on a free loopback port, persisting to `dataDir` (AOF, fsync every second, no eviction:
 * what production needs too); null when it is not installed.
 */
export async function startPrivateRedis(dataDir: string = SANDBOX_REDIS_DIR): Promise<PrivateRedis | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
      ...['--maxmemory-policy', 'noeviction'],
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  // Replaying a large append-only file takes a moment: allow longer than a fresh start needs.
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await redisAnswers(url)) return { url, stop: () => stopped(child) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
