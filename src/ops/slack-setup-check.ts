// /readyz's view of the Slack self-check. It never fails readiness: a setup mistake (the bot not invited, a
// missing scope) is fixed in Slack, not by taking instances out of rotation, and approvals still reach people
// (DM fallback, consent link). An unready fleet would turn a Slack setting into a full outage.
import type { ReadinessCheck } from './readiness.js';

export interface SetupSource {
  report(): { at: number; problems: Array<{ key: string; message: string }> } | null;
}

export function slackSetupCheck(source: SetupSource | null): ReadinessCheck {
  return {
    name: 'slackSetup',
    async run() {
      if (!source) return { state: 'not_configured', ok: true };
      const report = source.report();
      if (!report)
        return { state: 'unknown', ok: true, detail: { note: 'the first check has not finished' } };
      const checkedAt = new Date(report.at).toISOString();
      if (report.problems.length === 0) return { state: 'ok', ok: true, detail: { checkedAt } };
      return {
        state: 'problems',
        ok: true,
        detail: { checkedAt, problems: report.problems.map((p) => p.message) },
      };
    },
  };
}
