// The bench's "faults" section: each fault of the durability issue injected into real processes, one after
// another, as rows beside their targets (`npm run bench` runs it last; `npm run bench -- faults` runs it alone).

import { runRedisPauseFaults } from './redis-pause.js';
import { runRedisResetFaults } from './redis-reset.js';
import type { FaultRow } from './row.js';
import { runShutdownFaults } from './shutdown.js';
import { runSlackOutageClicks } from './slack-outage-clicks.js';
import { runSlackStormFaults } from './slack-storm.js';
import { runSweepKillFaults } from './sweep-kill.js';

export const FAULT_SETTINGS = {
  sweepKill: { trials: 10, deadlines: 200 },
  slackOutage: { clicks: 20, outageMs: 60_000 },
};

/** Runs every scenario; a scenario that throws becomes one failed row, so the others still report. */
export async function runFaults(step: (name: string) => void): Promise<FaultRow[]> {
  const scenarios: Array<[string, () => Promise<FaultRow[]>]> = [
    ['worker SIGKILL mid-sweep', () => runSweepKillFaults(FAULT_SETTINGS.sweepKill)],
    ['Redis CLIENT PAUSE during calls', runRedisPauseFaults],
    ['Redis restart without persistence', runRedisResetFaults],
    ['Slack Web API outage during clicks', () => runSlackOutageClicks(FAULT_SETTINGS.slackOutage)],
    ['Slack 429 storm with two workers', runSlackStormFaults],
    ['SIGTERM with idle keep-alive clients', runShutdownFaults],
  ];
  const rows: FaultRow[] = [];
  for (const [index, [name, run]] of scenarios.entries()) {
    step(`faults ${index + 1}/${scenarios.length}: ${name}`);
    try {
      rows.push(...(await run()));
    } catch (error) {
      rows.push({
        scenario: name,
        metric: 'scenario failed to run',
        value: String(error),
        target: 'runs',
        met: false,
      });
    }
  }
  return rows;
}

/** The section's table: the scenario named once, then its rows. */
export function faultTable(rows: FaultRow[]): string[][] {
  const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? 'yes' : 'NO');
  return [
    ['fault', 'metric', 'value', 'target', 'met'],
    ...rows.map((row, i) => [
      i > 0 && rows[i - 1]!.scenario === row.scenario ? '' : row.scenario,
      row.metric,
      row.value,
      row.target ?? '',
      mark(row.met),
    ]),
  ];
}
