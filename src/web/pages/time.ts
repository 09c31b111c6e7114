// Times as people should see them on the consent pages: a readable UTC time, how far away it is, and the exact
// ISO instant for machines.
import { formatDuration } from '../../lib/duration.js';
import { html, type SafeHtml } from './html.js';

/** ISO 8601 to the second, in UTC: unambiguous for an approver in any time zone. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "in 4 minutes 30 seconds", "3 minutes ago" or "now", from the real clock, never a fixed figure. */
export function relative(ms: number, now: number): string {
  const diff = ms - now;
  if (Math.abs(diff) < 1000) return 'now';
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

const READABLE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "Wed 2 Dec 2026, 09:41:07 UTC": what a person reads; the ISO instant stays in the datetime attribute. */
export function readableUtc(ms: number): string {
  return `${READABLE.format(new Date(ms)).replace(/^(\w+),? /, '$1 ')} UTC`;
}

export function when(ms: number, now: number): SafeHtml {
  return html`<time datetime="${isoSeconds(ms)}">${readableUtc(ms)}</time> <span class="muted">(${relative(ms, now)})</span>`;
}
