// The bench's "cluster" section: a throwaway local 3-master Redis Cluster (scripts/redis-cluster.sh), then
// call_integration_api on it beside single Redis in the same run, Redis commands and bytes per operation, and
// the pub/sub fan-out cost behind keeping plain PUBLISH. `npm run bench -- cluster` runs it alone.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisConfig } from '../../src/config.js';
import { type CommandStatsRow, runCommandStats } from './commandstats.js';
import { type FanoutRow, runPubsubFanout } from './pubsub-fanout.js';
import { type ClusterThroughputRow, runClusterThroughput } from './throughput.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));

export interface ClusterSection {
  seeds: string;
  throughput: ClusterThroughputRow[];
  commands: CommandStatsRow[];
  fanout: FanoutRow[];
}

/** Starts its own cluster (BENCH_CLUSTER_PORT, default 7201, so CI's 7101 is never touched) and stops it after. */
export async function runClusterSection(step: (name: string) => void): Promise<ClusterSection> {
  const env = { ...process.env, REDIS_CLUSTER_PORT: process.env.BENCH_CLUSTER_PORT ?? '7201' };
  const seeds = execFileSync(SCRIPT, ['start'], { env, encoding: 'utf8' }).trim();
  const before = process.env.REDIS_CLUSTER_NODES;
  // The tests' and benches' helpers (testRedis, the spawned servers) read it: everything below uses the cluster.
  process.env.REDIS_CLUSTER_NODES = seeds;
  try {
    step('cluster 1/3: call_integration_api at 32 clients, single Redis vs cluster, 1 vs 2 instances');
    const throughput = await runClusterThroughput(seeds);
    step('cluster 2/3: Redis commands and bytes per operation (INFO commandstats deltas)');
    const commands = await runCommandStats();
    step('cluster 3/3: pub/sub fan-out, PUBLISH vs SPUBLISH');
    const fanout = await runPubsubFanout(redisConfig({ REDIS_CLUSTER_NODES: seeds }).cluster!.nodes);
    return { seeds, throughput, commands, fanout };
  } finally {
    if (before === undefined) delete process.env.REDIS_CLUSTER_NODES;
    else process.env.REDIS_CLUSTER_NODES = before;
    execFileSync(SCRIPT, ['stop'], { env, stdio: 'ignore' });
  }
}

/** The section's table: each setup, then the three ratios beside their targets. */
export function clusterTable(section: ClusterSection): string[][] {
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  const num = (x: number | null, digits = 0) => (x === null ? '–' : x.toFixed(digits));
  const [single, one, two] = section.throughput;
  const rows: string[][] = [['setup / operation', 'metric', 'value', 'target', 'met']];
  for (const row of section.throughput) {
    rows.push(
      [row.setup, 'calls/s (32 clients)', num(row.callsPerSecond), '', ''],
      ['', 'p50 / p99', `${num(row.p50Ms, 1)} ms / ${num(row.p99Ms, 1)} ms`, '', ''],
      ['', 'errors', String(row.errors), '0', mark(row.errors === 0)],
      ['', 'calls/s per busy server core', num(row.callsPerServerCore), '', ''],
    );
  }
  if (single && one && two) {
    const rate = one.callsPerSecond / single.callsPerSecond;
    const p99 = one.p99Ms / single.p99Ms;
    const perCore =
      one.callsPerServerCore && two.callsPerServerCore
        ? two.callsPerServerCore / one.callsPerServerCore
        : null;
    rows.push(
      ['cluster vs single', 'rate ratio', `${(rate * 100).toFixed(0)}%`, '≥ 90%', mark(rate >= 0.9)],
      ['', 'p99 ratio', `${p99.toFixed(2)}×`, '≤ 1.5×', mark(p99 <= 1.5)],
      [
        '2 instances vs 1 (cluster)',
        'calls/s per busy core ratio',
        perCore === null ? '–' : `${(perCore * 100).toFixed(0)}%`,
        '85–115%',
        perCore === null ? 'NO' : mark(Math.abs(perCore - 1) <= 0.15),
      ],
    );
  }
  for (const row of section.commands) {
    rows.push(
      [row.operation, 'Redis commands (top)', `${num(row.commands, 1)} (${row.top})`, '', ''],
      ['', 'bytes in / out', `${num(row.bytesIn)} / ${num(row.bytesOut)}`, '', ''],
      ['', 'server CPU / Redis CPU', `${num(row.serverCpuMs, 2)} ms / ${num(row.redisCpuUs)} µs`, '', ''],
    );
  }
  for (const row of section.fanout) {
    rows.push([
      `${row.mode}, ${row.instances} instances`,
      'Redis CPU per event',
      `${num(row.redisCpuUsPerEvent, 1)} µs (${row.delivered}/${row.events * row.instances} delivered)`,
      '',
      '',
    ]);
  }
  return rows;
}
