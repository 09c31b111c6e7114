// The access durations a person may pick when approving, the same in Slack and on the consent page.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Offered besides the requested duration and the maximum; only those within the maximum are shown. */
const DURATION_LADDER = [
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** Ascending durations an approver may pick: the ladder up to `maxMs`, the requested one and `maxMs` itself. */
export function durationChoices(requestedMs: number, maxMs: number): number[] {
  const all = new Set(DURATION_LADDER.filter((ms) => ms <= maxMs));
  if (requestedMs > 0 && requestedMs <= maxMs) all.add(requestedMs);
  all.add(maxMs);
  return [...all].sort((a, b) => a - b);
}

/** Preselected: what was asked, held to the maximum should the maximum have been lowered since. */
export function defaultDuration(requestedMs: number, maxMs: number): number {
  return requestedMs > 0 ? Math.min(requestedMs, maxMs) : maxMs;
}
