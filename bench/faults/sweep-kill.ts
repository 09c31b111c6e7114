// Fault bench: a worker SIGKILLed at a random point of its catch-up sweep over overdue deadlines, then a worker
// started again (test/support/sweep-kill.ts runs the trials). Expiries lost, messages updated exactly once, and
// the lag from the restarted worker's start until every grant is expired (audited) and every message shows it.
import { pathToFileURL } from 'node:url';
import {
  type KillPoint,
  runSweepKillTrial,
  startSweepKillWorld,
  type TrialResult,
} from '../../test/support/sweep-kill.js';
import { percentile } from '../lib/stats.js';
import type { FaultRow } from './row.js';

export interface SweepKillOptions {
  trials: number;
  /** Overdue deadlines (pending grants, each with its posted message) per trial. */
  deadlines: number;
}

/** Long enough to create and post every request before the first deadline, on a busy machine too. */
const decisionWindowFor = (deadlines: number) => 15_000 + deadlines * 150;
const SETTLE_MS = 120_000;

export async function runSweepKillFaults(options: SweepKillOptions): Promise<FaultRow[]> {
  const results = await runTrials(options);
  return faultRows(options, results);
}

async function runTrials(options: SweepKillOptions): Promise<TrialResult[]> {
  const world = await startSweepKillWorld({ decisionWindowMs: decisionWindowFor(options.deadlines) });
  const results: TrialResult[] = [];
  try {
    for (let trial = 0; trial < options.trials; trial++) {
      // Alternate where the kill lands: inside the sweep's transitions, or inside the refresh jobs' updates.
      const killAt: KillPoint = trial % 2 === 0 ? 'transitions' : 'updates';
      const killAfter = 1 + Math.floor(Math.random() * Math.max(1, options.deadlines - 1));
      results.push(
        await runSweepKillTrial(world, { grants: options.deadlines, killAt, killAfter, settleMs: SETTLE_MS }),
      );
      if (process.env.BENCH_VERBOSE) console.error(JSON.stringify(results.at(-1)));
    }
  } finally {
    await world.stop();
  }
  return results;
}

function faultRows(options: SweepKillOptions, results: TrialResult[]): FaultRow[] {
  const scenario = `worker SIGKILL mid-sweep (${options.trials} × ${options.deadlines})`;
  const total = results.reduce((sum, r) => sum + r.grants, 0);
  const lost = results.reduce((sum, r) => sum + r.notExpired + r.missingEvents, 0);
  const duplicates = results.reduce((sum, r) => sum + r.duplicateEvents, 0);
  const once = results.reduce((sum, r) => sum + r.updatedOnce, 0);
  const more = results.reduce((sum, r) => sum + r.updatedMore, 0);
  const final = results.reduce((sum, r) => sum + r.messagesFinal, 0);
  const p99 = (lags: Array<number | null>) => {
    if (lags.some((lag) => lag === null)) return null;
    return percentile(
      [...(lags as number[])].sort((a, b) => a - b),
      99,
    );
  };
  const audited = p99(results.map((r) => r.auditedLagMs));
  const rendered = p99(results.map((r) => r.renderedLagMs));
  const seconds = (ms: number | null) =>
    ms === null ? `not within ${SETTLE_MS / 1000} s` : `${(ms / 1000).toFixed(2)} s`;
  return [
    {
      scenario,
      metric: 'expiries lost (not expired, or no grant.expired event)',
      value: String(lost),
      target: '0',
      met: lost === 0,
    },
    {
      scenario,
      metric: 'grants with more than one grant.expired event',
      value: String(duplicates),
      target: '0',
      met: duplicates === 0,
    },
    {
      scenario,
      metric: 'messages showing expired, no buttons',
      value: `${final}/${total}`,
      target: 'all',
      met: final === total,
    },
    {
      scenario,
      metric: 'messages updated exactly once to expired',
      value: `${once}/${total}`,
      target: 'all',
      met: once === total,
    },
    { scenario, metric: 'messages updated to expired more than once', value: String(more) },
    {
      scenario,
      metric: 'lag restart → all expired and audited, p99 over trials',
      value: seconds(audited),
      target: '≤ 2 s',
      met: audited !== null && audited <= 2000,
    },
    {
      scenario,
      metric: 'lag restart → all messages show expired, p99 over trials',
      value: seconds(rendered),
    },
    {
      scenario,
      metric: 'kill points (transitions or chat.updates seen)',
      value: results.map((r) => `${r.killAt === 'transitions' ? 't' : 'u'}${r.killedAfter ?? '?'}`).join(' '),
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const trials = Number(process.env.TRIALS ?? 10);
  const deadlines = Number(process.env.DEADLINES ?? 200);
  const rows = await runSweepKillFaults({ trials, deadlines });
  console.table(rows);
  process.exit(0);
}
