// CPU time used by this process, the server child (Linux /proc) and Redis (INFO cpu), to see where a call's cost lands.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface CpuSample {
  benchMs: number;
  /** Null where /proc is not available. */
  serverMs: number | null;
  /** Null when INFO cpu could not be read. */
  redisMs: number | null;
  /** Every process on the machine (Linux /proc/stat; null elsewhere): tells a contended run from a clean one. */
  machineMs: number | null;
}

/** utime + stime of a process in milliseconds, from /proc/<pid>/stat (USER_HZ = 100 on Linux). */
function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Non-idle CPU time of the whole machine in milliseconds, from the aggregate line of /proc/stat. */
function machineCpuMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, x) => sum + (x ?? 0), 0);
    return Number.isFinite(busy) ? busy * 10 : null;
  } catch {
    return null;
  }
}

async function redisCpuMs(redis: Redis | undefined): Promise<number | null> {
  if (!redis) return null;
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
    const total = field('used_cpu_sys') + field('used_cpu_user');
    return Number.isFinite(total) ? total * 1000 : null;
  } catch {
    return null;
  }
}

export async function cpuNow(serverPid: number | undefined, redis?: Redis): Promise<CpuSample> {
  const own = process.cpuUsage();
  return {
    benchMs: (own.user + own.system) / 1000,
    serverMs: processCpuMs(serverPid),
    redisMs: await redisCpuMs(redis),
    machineMs: machineCpuMs(),
  };
}

export async function cpuSince(
  start: CpuSample,
  serverPid: number | undefined,
  redis?: Redis,
): Promise<CpuSample> {
  const end = await cpuNow(serverPid, redis);
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    benchMs: end.benchMs - start.benchMs,
    serverMs: diff(end.serverMs, start.serverMs),
    redisMs: diff(end.redisMs, start.redisMs),
    machineMs: diff(end.machineMs, start.machineMs),
  };
}
