// Times as people should see them on the consent pages: the exact ISO instant and how far away it is.
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

export function when(ms: number, now: number): SafeHtml {
  const iso = isoSeconds(ms);
  return html`<time datetime="${iso}">${iso}</time> <span class="muted">(${relative(ms, now)})</span>`;
}
