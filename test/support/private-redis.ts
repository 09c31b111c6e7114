// A redis-server of the test's own on a free loopback port, for faults that must not touch the shared Redis:
// SIGSTOP, SIGKILL, SHUTDOWN NOSAVE, CLIENT PAUSE, a restart with or without persistence.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../src/sandbox/redis.js';
import { freePort } from './server-process.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** The running process (replaced by start()). */
  process(): ChildProcess;
  /** Starts it again on the same port (after kill()); with persistence, the data comes back. */
  start(): Promise<void>;
  /** SIGKILL: gone at once, nothing saved. */
  kill(): void;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Keep data across restarts with an append-only file (default: nothing kept). */
  appendOnly?: boolean;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cs-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    args.push('--appendonly', options.appendOnly ? 'yes' : 'no');
    child = spawn('redis-server', args, { stdio: 'ignore' });
    for (let attempt = 0; attempt < 300; attempt++) {
      if (await redisAnswers(url)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${port} did not start`);
  };
  await start();
  return {
    url,
    port,
    process: () => child,
    start,
    kill: () => child.kill('SIGKILL'),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
