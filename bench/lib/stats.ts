// Latency summaries (nearest-rank percentiles, mean) and small number formatting for the bench tables.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, x) => total + x, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Rounds to `digits` decimals, for JSON output that stays readable. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Every field rounded. */
export function rounded(summary: Summary, digits = 3): Summary {
  return Object.fromEntries(
    Object.entries(summary).map(([k, v]) => [k, k === 'n' ? v : round(v, digits)]),
  ) as unknown as Summary;
}

/** Milliseconds for a table cell: two decimals below 10 ms, one below 100, none above. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) < 10) return `${x.toFixed(2)} ms`;
  if (Math.abs(x) < 100) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(0)} ms`;
}
