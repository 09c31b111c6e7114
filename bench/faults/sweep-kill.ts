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
  const sum = (pick: (r: TrialResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const total = sum((r) => r.grants);
  const lost = sum((r) => r.notExpired + r.missingEvents);
  const duplicates = sum((r) => r.duplicateEvents);
  const once = sum((r) => r.updatedOnce);
  const more = sum((r) => r.updatedMore);
  const changed = sum((r) => r.changedAfterExpired);
  const final = sum((r) => r.messagesFinal);
  const p99 = (lags: Array<number | null>) =>
    lags.some((lag) => lag === null)
      ? null
      : percentile(
          [...(lags as number[])].sort((a, b) => a - b),
          99,
        );
  // From the restarted worker's "running" line (it can work), and from its spawn (process start-up included).
  const fromRunning = (lag: number | null, r: TrialResult) =>
    lag === null ? null : Math.max(0, lag - r.restartBootMs);
  const audited = p99(results.map((r) => fromRunning(r.auditedLagMs, r)));
  const rendered = p99(results.map((r) => fromRunning(r.renderedLagMs, r)));
  const auditedFromSpawn = p99(results.map((r) => r.auditedLagMs));
  const boot = p99(results.map((r) => r.restartBootMs));
  const seconds = (ms: number | null) =>
    ms === null ? `not within ${SETTLE_MS / 1000} s` : `${(ms / 1000).toFixed(2)} s`;
  const row = (metric: string, value: string, target?: string, met?: boolean): FaultRow => ({
    scenario,
    metric,
    value,
    ...(target === undefined ? {} : { target, met }),
  });
  return [
    row('expiries lost (not expired, or no grant.expired event)', String(lost), '0', lost === 0),
    row('grants with more than one grant.expired event', String(duplicates), '0', duplicates === 0),
    row('messages showing expired, no buttons', `${final}/${total}`, 'all', final === total),
    row('messages updated exactly once to expired', `${once}/${total}`, 'all', once === total),
    row('… re-sent the same expired update (job re-run after the kill)', String(more), '0', more === 0),
    row('… changed again after showing expired', String(changed), '0', changed === 0),
    row(
      'lag restarted worker running → all expired and audited, p99 over trials',
      seconds(audited),
      '≤ 2 s',
      audited !== null && audited <= 2000,
    ),
    row('lag restarted worker running → all messages show expired, p99', seconds(rendered)),
    row("lag from the restarted worker's spawn → all expired and audited, p99", seconds(auditedFromSpawn)),
    row('restarted worker start-up (spawn → running), p99', seconds(boot)),
    row(
      'kill points (t: transitions, u: chat.updates seen)',
      results.map((r) => `${r.killAt === 'transitions' ? 't' : 'u'}${r.killedAfter ?? '?'}`).join(' '),
    ),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const trials = Number(process.env.TRIALS ?? 10);
  const deadlines = Number(process.env.DEADLINES ?? 200);
  const rows = await runSweepKillFaults({ trials, deadlines });
  console.table(rows);
  process.exit(0);
}
