// Human-friendly durations ("90s", "5m", "24h", "1500ms" or bare milliseconds) used by config and texts.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses "5m", "30s", "24h", "7d", "250ms" or a bare integer of milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2]?.toLowerCase() ?? 'ms') as keyof typeof UNIT_MS;
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A text field holding a positive duration, parsed to milliseconds; its error names `examples` (such as
 * `"15m", "8h" or "7d"`) and quotes what was given.
 */
export function positiveDuration(examples: string) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as ${examples}, got "${text}"` });
      return z.NEVER;
    }
    return ms;
  });
}

/** "5 minutes", "1 hour 30 minutes", "45 seconds": for texts shown to people and assistants. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const push = (n: number, unit: string) => {
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  };
  push(days, 'day');
  push(hours, 'hour');
  push(minutes, 'minute');
  if (parts.length === 0 || (seconds > 0 && totalSeconds < 600)) push(seconds, 'second');
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}
