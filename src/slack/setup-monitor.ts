// Runs the Slack self-check at start, every few minutes and on demand; logs each new problem once, keeps the
// latest report for /readyz and the admins' App Home, and DMs the admins once per distinct set of problems.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { type SelfCheckInput, type SetupReport, slackSelfCheck } from './self-check.js';

export const SETUP_CHECK_EVERY_MS = 10 * 60_000;
/** A set of problems already DMed is not DMed again for this long. */
const DM_ONCE_MS = 7 * 24 * 3600_000;

export interface SetupMonitorDeps {
  client: SelfCheckInput['client'];
  slack: SelfCheckInput['slack'];
  /** True in HTTP mode, where Slack must reach /slack/events. */
  httpMode: boolean;
  redis: Pick<Redis, 'set'>;
  prefix: string;
  /** The admins' user ids (ADMINS users and group members). */
  admins(): Promise<string[]>;
  /** A DM to one person (chat.postMessage to the user id). */
  dm(userId: string, text: string): Promise<void>;
  logger: Logger;
  now(): number;
  everyMs?: number;
  noEventAfterMs?: number;
}

export class SlackSetupMonitor {
  private latest: SetupReport | null = null;
  private lastEventAt: number | null = null;
  private readonly startedAt: number;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<SetupReport> | null = null;

  constructor(private readonly deps: SetupMonitorDeps) {
    this.startedAt = deps.now();
  }

  /** A request from Slack passed signature verification (HTTP) or arrived over the socket. */
  noteEvent(): void {
    this.lastEventAt = this.deps.now();
  }

  report(): SetupReport | null {
    return this.latest;
  }

  start(): void {
    const run = () => void this.runNow().catch(() => undefined);
    run();
    this.timers.push(setInterval(run, this.deps.everyMs ?? SETUP_CHECK_EVERY_MS));
    // The "no event yet" verdict is due before the first periodic run.
    if (this.deps.httpMode)
      this.timers.push(setTimeout(run, (this.deps.noEventAfterMs ?? 5 * 60_000) + 1000));
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Checks now (one run at a time: a caller during a run gets that run's report). */
  runNow(): Promise<SetupReport> {
    this.running ??= this.check().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async check(): Promise<SetupReport> {
    const { deps } = this;
    const report = await slackSelfCheck({
      client: deps.client,
      slack: deps.slack,
      events: deps.httpMode ? { startedAt: this.startedAt, lastEventAt: this.lastEventAt } : null,
      now: deps.now(),
      ...(deps.noEventAfterMs !== undefined ? { noEventAfterMs: deps.noEventAfterMs } : {}),
    });
    const before = new Set((this.latest?.problems ?? []).map((p) => p.key));
    for (const problem of report.problems) {
      if (!before.has(problem.key))
        deps.logger.warn({ slackSetup: problem.key }, `Slack setup: ${problem.message}`);
    }
    if (this.latest && this.latest.problems.length > 0 && report.problems.length === 0)
      deps.logger.info('Slack setup: every check passes now');
    this.latest = report;
    await this.tellAdmins(report).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not DM the admins about the Slack setup'),
    );
    return report;
  }

  /** Once per distinct set of problems, fleet-wide (a mark in Redis), so restarts and replicas do not repeat it. */
  private async tellAdmins(report: SetupReport): Promise<void> {
    if (report.problems.length === 0) return;
    const admins = await this.deps.admins();
    if (admins.length === 0) return;
    const keys = report.problems.map((p) => p.key).sort();
    const digest = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 24);
    const first = await this.deps.redis.set(
      `${this.deps.prefix}slack:setup-dm:${digest}`,
      String(report.at),
      'PX',
      DM_ONCE_MS,
      'NX',
    );
    if (first !== 'OK') return;
    const text = [
      ':warning: Countersign’s Slack setup needs attention:',
      ...report.problems.map((p) => `• ${p.message}`),
      'Admins can check again with `/countersign check`.',
    ].join('\n');
    for (const admin of admins) await this.deps.dm(admin, text);
  }
}
