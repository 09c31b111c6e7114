// Readiness as a list of named checks run together, each within a timeout: /readyz answers 200 only when none
// is down, and its JSON names every check's state, the ones that are down, and what each check found.

export interface CheckResult {
  /** A short word for the body's `checks` map: 'up', 'down', 'present', 'missing', 'ok', 'reset', … */
  state: string;
  /** False makes the instance unready and puts the check's name in `down`. */
  ok: boolean;
  /** Anything an operator needs to read the state (counts, times, what is missing); no secrets. */
  detail?: Record<string, unknown>;
}

export interface ReadinessCheck {
  name: string;
  run(): Promise<CheckResult>;
}

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, string>;
  down: string[];
  details: Record<string, Record<string, unknown>>;
}

/** Runs every check at once; one that throws or does not answer within `timeoutMs` is down. */
export async function runReadiness(checks: ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => within(check, timeoutMs)));
  const report: ReadinessReport = { status: 'ok', checks: {}, down: [], details: {} };
  checks.forEach((check, i) => {
    const result = results[i]!;
    report.checks[check.name] = result.state;
    if (!result.ok) report.down.push(check.name);
    if (result.detail) report.details[check.name] = result.detail;
  });
  if (report.down.length > 0) report.status = 'unavailable';
  return report;
}

async function within(check: ReadinessCheck, ms: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ state: 'down', ok: false, detail: { reason: `no answer within ${ms} ms` } }),
      ms,
    );
  });
  try {
    return await Promise.race([
      check.run().catch(
        (error: unknown): CheckResult => ({
          state: 'down',
          ok: false,
          detail: { reason: error instanceof Error ? error.message.slice(0, 200) : 'failed' },
        }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
