// The bench's "cluster" section: a throwaway local 3-master Redis Cluster (scripts/redis-cluster.sh), then
// call_integration_api on it beside single Redis in the same run, Redis commands and bytes per operation, and
// the pub/sub fan-out cost behind keeping plain PUBLISH. `npm run bench -- cluster` runs it alone.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisConfig } from '../../src/config.js';
import { type CommandStatsRow, runCommandStats } from './commandstats.js';
import { type FailoverRow, runFailover } from './failover.js';
import { type FanoutRow, runPubsubFanout } from './pubsub-fanout.js';
import { type ClusterThroughput, medianRatios, runClusterThroughput } from './throughput.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));

export interface ClusterSection {
  seeds: string;
  /** The commit measured (docs/capacity.md quotes it), with "+changes" when the tree differed from it. */
  commit: string;
  throughput: ClusterThroughput;
  failover: FailoverRow;
  commands: CommandStatsRow[];
  fanout: FanoutRow[];
}

/**
 * Starts its own cluster (BENCH_CLUSTER_PORT, default 7201, so CI's 7101 is never touched) and stops it after;
 * the failover runs on a 3 + 3 cluster of its own on random ports.
 */
export async function runClusterSection(step: (name: string) => void): Promise<ClusterSection> {
  const env = { ...process.env, REDIS_CLUSTER_PORT: process.env.BENCH_CLUSTER_PORT ?? '7201' };
  const seeds = execFileSync(SCRIPT, ['start'], { env, encoding: 'utf8' }).trim();
  const before = process.env.REDIS_CLUSTER_NODES;
  // The tests' and benches' helpers (testRedis, the spawned servers) read it: everything below uses the cluster.
  process.env.REDIS_CLUSTER_NODES = seeds;
  try {
    step(
      'cluster 1/4: call_integration_api at 32 clients, single Redis vs cluster, 1 vs 2 instances (and 1 at 16 clients), in rounds',
    );
    const throughput = await runClusterThroughput(seeds);
    step('cluster 2/4: a master killed under load (3 masters + 3 replicas)');
    const failover = await runFailover();
    step('cluster 3/4: Redis commands, round trips and bytes per operation (INFO commandstats deltas)');
    const commands = await runCommandStats(seeds);
    step('cluster 4/4: pub/sub fan-out, PUBLISH vs SPUBLISH');
    const fanout = await runPubsubFanout(redisConfig({ REDIS_CLUSTER_NODES: seeds }).cluster!.nodes);
    return { seeds, commit: measuredCommit(), throughput, failover, commands, fanout };
  } finally {
    if (before === undefined) delete process.env.REDIS_CLUSTER_NODES;
    else process.env.REDIS_CLUSTER_NODES = before;
    execFileSync(SCRIPT, ['stop'], { env, stdio: 'ignore' });
  }
}

function measuredCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', 'src') ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** The section's table: each setup, then the three ratios beside their targets. */
export function clusterTable(section: ClusterSection): string[][] {
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  const num = (x: number | null, digits = 0) => (x === null ? '–' : x.toFixed(digits));
  const rows: string[][] = [
    ['setup / operation', 'metric', 'value', 'target', 'met'],
    ['measured on', 'commit', section.commit, '', ''],
  ];
  const { rounds } = section.throughput;
  for (const row of section.throughput.rows) {
    rows.push(
      [row.setup, `calls/s (median of ${rounds.length})`, num(row.callsPerSecond), '', ''],
      ['', 'p50 / p99', `${num(row.p50Ms, 1)} ms / ${num(row.p99Ms, 1)} ms`, '', ''],
      ['', 'errors (all rounds)', String(row.errors), '0', mark(row.errors === 0)],
      ['', 'busy server cores', num(row.serverCores, 2), '', ''],
      ['', 'calls/s per busy server core', num(row.callsPerServerCore), '', ''],
    );
    if (row.idleInstanceCores !== null)
      rows.push([
        '',
        'cores used by the other, idle instance meanwhile',
        num(row.idleInstanceCores, 3),
        '',
        '',
      ]);
  }
  if (rounds.length > 0) {
    const ratio = medianRatios(rounds);
    const each = (pick: (r: (typeof rounds)[number]) => number | null, as: (x: number) => string) =>
      rounds.map((r) => (pick(r) === null ? '–' : as(pick(r)!))).join(', ');
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const times = (x: number) => `${x.toFixed(2)}×`;
    type Round = (typeof rounds)[number];
    /**
     * A per-core ratio: the median of the rounds and each round's; the target only on the comparison it
     * names (the controls explain it and have none).
     */
    const perCoreRow = (
      setup: string,
      metric: string,
      median: number | null,
      pick: (r: Round) => number | null,
      target = false,
    ) => {
      const met = median === null ? 'NO' : mark(Math.abs(median - 1) <= 0.15);
      return [
        setup,
        metric,
        median === null ? '–' : `${pct(median)} (${each(pick, pct)})`,
        target ? '85–115%' : '(control)',
        target ? met : '',
      ];
    };
    rows.push(
      [
        'cluster vs single',
        'rate ratio (per round)',
        `${pct(ratio.rate)} (${each((r) => r.rate, pct)})`,
        '≥ 90%',
        mark(ratio.rate >= 0.9),
      ],
      [
        '',
        'p99 ratio (per round)',
        `${times(ratio.p99)} (${each((r) => r.p99, times)})`,
        '≤ 1.5×',
        mark(ratio.p99 <= 1.5),
      ],
      perCoreRow(
        '2 instances vs 1 (cluster)',
        'calls/s per busy core ratio (per round)',
        ratio.perCore,
        (r) => r.perCore,
        true,
      ),
      perCoreRow(
        '',
        'same, against 1 instance at the load each carries (half the clients)',
        ratio.perCoreSameLoad,
        (r) => r.perCoreSameLoad,
      ),
      perCoreRow(
        '',
        'same, both offered half the 1-instance rate (paced)',
        ratio.perCorePaced,
        (r) => r.perCorePaced,
      ),
    );
  }
  const f = section.failover;
  rows.push(
    [
      'master killed under load',
      'seconds until calls succeed again',
      num(f.secondsUntilCallsSucceed, 1),
      '≤ 10 s',
      mark(f.secondsUntilCallsSucceed !== null && f.secondsUntilCallsSucceed <= 10),
    ],
    [
      '',
      'failed calls',
      `${f.failedCalls} of ${f.calls} (${f.clientsOnKilledMaster} of ${f.clients} clients on it)`,
      '',
      '',
    ],
    [
      '',
      'acknowledged approvals lost',
      `${f.approvalsLost} of ${f.approvalsAcknowledged}`,
      'what replication lost',
      '',
    ],
  );
  for (const row of section.commands) {
    rows.push(
      [row.operation, 'Redis commands (top)', `${num(row.commands, 1)} (${row.top})`, '', ''],
      ['', 'round trips (chunks sent to Redis)', num(row.roundTrips, 1), '', ''],
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
