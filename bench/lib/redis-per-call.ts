// Redis work per call on a Redis only the run uses: commands (sent, and run inside scripts) from INFO commandstats
// deltas, round trips from INFO stats' read events; the idle server's background is measured first and subtracted.
import { Redis } from 'ioredis';
import { counters } from '../cluster/commandstats.js';

export interface RedisPerCall {
  samples: number;
  /** Every command Redis ran per call, those inside scripts included (commandstats counts both). */
  commands: number;
  /** Commands the process sent per call (EVALSHA once): what a round trip carries. */
  sent: number;
  /** Read events per call: one per round trip (a pipeline arrives in one read). */
  roundTrips: number;
  /** The commonest commands per call, e.g. "evalsha 1, xadd 1". */
  top: string;
  /** Commands sent per call in every window, fewest first (the first is the one reported). */
  windowsSent?: number[];
}

/** Redis' read events: one per request (or pipeline) it takes off a socket. */
async function readsProcessed(redis: Redis): Promise<number> {
  return Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

/** Commands per script kind inside scripts, seen through MONITOR (lines from `[<db> lua]`). */
function watchScripts(monitor: Redis): { inScripts: () => number; stop: () => void } {
  let inScripts = 0;
  const onMonitor = (_time: string, _args: string[], source: string) => {
    if (source.endsWith(' lua') || source === 'lua') inScripts++;
  };
  monitor.on('monitor', onMonitor);
  return { inScripts: () => inScripts, stop: () => monitor.off('monitor', onMonitor) };
}

/**
 * A MONITOR connection that survives the traffic it watches. ioredis marks a connection as monitoring only once
 * MONITOR's OK has been handled, so lines that arrive in the same read as that OK find no command to answer and are
 * emitted as "Command queue state error"s: its own `monitor()` rejects on the first and leaves the next with no
 * listener, which crashed a full bench run while the servers' jobs were busy. Here a listener is there from the
 * start; the few lines read before the switch are lost, long before any window is measured.
 */
async function monitoring(redisUrl: string): Promise<Redis> {
  const monitor = new Redis(redisUrl, { monitor: true });
  // Not events.once(): it would reject on the first of those errors.
  monitor.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('MONITOR did not start within 10 s')), 10_000);
    monitor.once('monitoring', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return monitor;
}

type Snapshot = { calls: Map<string, number>; reads: number; inScripts: number; at: number };

async function snapshot(redis: Redis, scripts: { inScripts: () => number }): Promise<Snapshot> {
  const reads = await readsProcessed(redis);
  const { calls } = await counters(redis);
  return { calls, reads, inScripts: scripts.inScripts(), at: performance.now() };
}

/**
 * Windows measured; the one with the fewest commands sent is reported (see measureRedisPerCall). The ceiling
 * section keeps two servers up at once, and each has periodic work (a usage re-render per grant per 5 s, BullMQ's
 * stalled-job check, the sweep), and with five windows the median one still read 2.1 round trips a call for the
 * server with Slack (0.1 more EVALSHA, as a usage re-render's), whose calls make the same two as the other's.
 */
const WINDOWS = 5;

/**
 * Runs `call` `samples` times one after another (so auto-pipelining has nothing to merge) and divides what Redis
 * did by the calls, less what it did over the same time while idle. Our own INFO and MONITOR are left out. It does
 * so in five windows and reports the one with the fewest commands sent: a background job whose commands happen
 * to fall in some windows (a scheduler tick, a sweep with work) then cannot move the figure, while anything every
 * call does is in every window. The idle background is the quietest of five windows.
 */
export async function measureRedisPerCall(
  redisUrl: string,
  call: () => Promise<void>,
  samples: number,
  idleMs = 2_000,
): Promise<RedisPerCall> {
  const redis = new Redis(redisUrl);
  const monitor = await monitoring(redisUrl);
  const scripts = watchScripts(monitor);
  try {
    // The quietest of the idle windows: one that caught the tail of earlier work (a Slack sync job after the
    // grants were approved) would otherwise be subtracted from every call.
    const idleWindows: Array<{ start: Snapshot; end: Snapshot }> = [];
    for (let w = 0; w < WINDOWS; w++) {
      const start = await snapshot(redis, scripts);
      await new Promise((resolve) => setTimeout(resolve, idleMs / WINDOWS));
      idleWindows.push({ start, end: await snapshot(redis, scripts) });
    }
    const busy = (w: { start: Snapshot; end: Snapshot }) =>
      [...w.end.calls].reduce((sum, [name, n]) => sum + n - (w.start.calls.get(name) ?? 0), 0) /
      (w.end.at - w.start.at);
    const idle = idleWindows.reduce((quietest, w) => (busy(w) < busy(quietest) ? w : quietest));
    const windows: RedisPerCall[] = [];
    for (let w = 0; w < WINDOWS; w++) windows.push(await measureWindow(redis, scripts, call, samples, idle));
    // Background work only ever adds to a window: the least of them is the calls' own, the rest in the JSON.
    windows.sort((a, b) => a.sent - b.sent);
    return { ...windows[0]!, windowsSent: windows.map((w) => w.sent) };
  } finally {
    scripts.stop();
    monitor.disconnect();
    redis.disconnect();
  }
}

async function measureWindow(
  redis: Redis,
  scripts: { inScripts: () => number },
  call: () => Promise<void>,
  samples: number,
  idle: { start: Snapshot; end: Snapshot },
): Promise<RedisPerCall> {
  const start = await snapshot(redis, scripts);
  for (let i = 0; i < samples; i++) await call();
  // Let the fire-and-forget writes after each answer (use count, audit) land.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const end = await snapshot(redis, scripts);
  const idleRatio = (end.at - start.at) / (idle.end.at - idle.start.at);
  const ours = (name: string) => name === 'info' || name === 'monitor';
  const perCall = new Map<string, number>();
  for (const [name, n] of end.calls) {
    if (ours(name)) continue;
    const idleCount = (idle.end.calls.get(name) ?? 0) - (idle.start.calls.get(name) ?? 0);
    const used = n - (start.calls.get(name) ?? 0) - idleCount * idleRatio;
    if (used > 0) perCall.set(name, used / samples);
  }
  const commands = [...perCall.values()].reduce((a, b) => a + b, 0);
  const inScripts =
    (end.inScripts - start.inScripts - (idle.end.inScripts - idle.start.inScripts) * idleRatio) / samples;
  // Between two read counts: the first snapshot's three other INFOs and the second's own (four reads).
  const reads = end.reads - start.reads - 4 - (idle.end.reads - idle.start.reads - 4) * idleRatio;
  return {
    samples,
    commands: round(commands),
    sent: round(commands - Math.max(0, inScripts)),
    roundTrips: round(reads / samples),
    top: [...perCall]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, n]) => `${name} ${round(n)}`)
      .join(', '),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
