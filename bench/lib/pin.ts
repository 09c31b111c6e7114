// Gives the server under test a core of its own while the people-facing latencies are measured under load: the
// load generator and the stand-ins (this process) take the other cores, as assistants and Slack would be on other
// machines in production. Without it, on a 2-core machine three busy processes share two cores and a wake-up
// waits for the OS to schedule the server as much as for the server itself. BENCH_PIN=0 turns it off.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** How the run was laid out, for the table and the JSON. */
  layout: string;
  /** Gives every pinned process all the cores again. */
  release(): void;
}

/**
 * Pins the server's main thread (its event loop) to core 0 and its helper threads (GC, libuv), `others` and this
 * process to the rest; null when that cannot be done here.
 */
export function pinServerApart(serverPid: number, others: number[]): Pinning | null {
  const count = cpus().length;
  if (process.env.BENCH_PIN === '0' || count < 2) return null;
  const all = `0-${count - 1}`;
  const rest = count === 2 ? '1' : `1-${count - 1}`;
  const pinned = [process.pid, ...others];
  try {
    for (const pid of [serverPid, ...pinned]) taskset(rest, pid);
    // Without -a: the main thread alone (its thread id is the pid), so V8's helpers do not share its core.
    execFileSync('taskset', ['-p', '-c', '0', String(serverPid)], { stdio: 'ignore' });
  } catch {
    // No taskset (util-linux) or not allowed: measure unpinned, and say so.
    return null;
  }
  return {
    layout: `server's event loop on core 0; its helper threads, the load and the stand-ins on ${rest}`,
    release() {
      for (const pid of [serverPid, ...pinned]) {
        try {
          taskset(all, pid);
        } catch {
          // Already exited.
        }
      }
    },
  };
}

/** Every thread of the process (`-a`): the V8 and libuv helper threads follow the main one. */
function taskset(cores: string, pid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}
