// The ceiling section's table: each figure of the server (with and without Slack) and of the SDK's two floors
// beside the bare ceiling's, with its ratio to it and the issue-13 target.
import { ms, percentile } from '../lib/stats.js';
import type { CeilingResult, TargetFigures } from './ceiling.js';
import type { LoadResult } from './throughput.js';

/** Ratios to the ceiling the server must stay within (issue 13), and the absolute Redis budget per call. */
export const CEILING_TARGETS = {
  callsPerSecondShare: 0.5,
  cpuPerCallRatio: 2.5,
  p99Ratio: 3,
  oneClientP50Ratio: 2,
  redisCommandsSent: 3,
  redisRoundTrips: 2,
};

type Metric = {
  label: string;
  value: (t: TargetFigures) => number | null;
  /** A loaded figure: its ratio is the median of the rounds' ratios (each round ran both on the same machine). */
  perRound?: (round: LoadResult) => number | null;
  format: (x: number) => string;
  /** Whether the server's figure meets the target, given its ratio to the ceiling and the figure itself. */
  met?: (ratio: number, value: number) => boolean;
  target: string;
};

const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
const one = (x: number) => x.toFixed(1);
const cpu = (x: number) => `${x.toFixed(3)} ms`;

const METRICS: Metric[] = [
  {
    label: 'calls/s, 32 clients',
    perRound: (l) => l.callsPerSecond,
    value: (t) => t.loaded.callsPerSecond,
    format: rate,
    met: (r) => r >= CEILING_TARGETS.callsPerSecondShare,
    target: '≥ 0.5×',
  },
  {
    label: 'server CPU per call, 32 clients',
    perRound: (l) => l.cpuPerCall.serverMs,
    value: (t) => t.loaded.cpuPerCall.serverMs,
    format: cpu,
    met: (r) => r <= CEILING_TARGETS.cpuPerCallRatio,
    target: '≤ 2.5×',
  },
  {
    label: 'Redis CPU per call, 32 clients',
    perRound: (l) => l.cpuPerCall.redisMs,
    value: (t) => t.loaded.cpuPerCall.redisMs,
    format: cpu,
    target: '',
  },
  {
    label: 'p50, 32 clients',
    perRound: (l) => l.latency.p50,
    value: (t) => t.loaded.latency.p50,
    format: ms,
    target: '',
  },
  {
    label: 'p99, 32 clients',
    perRound: (l) => l.latency.p99,
    value: (t) => t.loaded.latency.p99,
    format: ms,
    met: (r) => r <= CEILING_TARGETS.p99Ratio,
    target: '≤ 3×',
  },
  {
    label: 'p50, 1 client',
    value: (t) => t.oneClient.p50,
    format: ms,
    met: (r) => r <= CEILING_TARGETS.oneClientP50Ratio,
    target: '≤ 2×',
  },
  { label: 'p99, 1 client', value: (t) => t.oneClient.p99, format: ms, target: '' },
  {
    label: 'Redis commands sent per call',
    value: (t) => t.redis.sent,
    format: one,
    met: (_r, v) => v <= CEILING_TARGETS.redisCommandsSent,
    target: '≤ 3',
  },
  {
    label: 'Redis commands run per call (scripts’ included)',
    value: (t) => t.redis.commands,
    format: one,
    target: '',
  },
  {
    label: 'Redis round trips per call',
    value: (t) => t.redis.roundTrips,
    format: one,
    met: (_r, v) => v <= CEILING_TARGETS.redisRoundTrips,
    target: '≤ 2',
  },
  { label: 'cores busy elsewhere, 32 clients', value: (t) => t.loaded.cores.others, format: one, target: '' },
  { label: 'errors, 32 clients', value: (t) => t.loaded.errors, format: String, target: '' },
];

/** `target`'s figure over `base`'s: the median of the rounds' ratios for a loaded figure, else the plain ratio. */
export function ratioTo(metric: Metric, target: TargetFigures, base: TargetFigures): number {
  const value = metric.value(target);
  const baseValue = metric.value(base);
  if (value === null || !baseValue) return Number.NaN;
  if (!metric.perRound || target.rounds.length !== base.rounds.length) return value / baseValue;
  const ratios = target.rounds
    .map((round, i) => {
      const a = metric.perRound!(round);
      const b = metric.perRound!(base.rounds[i]!);
      return a === null || !b ? Number.NaN : a / b;
    })
    .filter(Number.isFinite)
    .sort((x, y) => x - y);
  return ratios.length === 0 ? value / baseValue : percentile(ratios, 50);
}

export function ceilingTable(result: CeilingResult): string[][] {
  const { ceiling, floor, leanFloor, noSlack, production } = result;
  const cell = (metric: Metric, target: TargetFigures, judged: boolean) => {
    const value = metric.value(target);
    if (value === null) return '–';
    const ratio = ratioTo(metric, target, ceiling);
    const met = judged && metric.met ? (metric.met(ratio, value) ? ' ok' : ' NO') : '';
    return `${metric.format(value)} (${ratio.toFixed(2)}×)${met}`;
  };
  return [
    ['metric', ceiling.name, floor.name, leanFloor.name, production.name, noSlack.name, 'target'],
    ...METRICS.map((metric) => {
      const base = metric.value(ceiling);
      return [
        metric.label,
        base === null ? '–' : metric.format(base),
        cell(metric, floor, false),
        cell(metric, leanFloor, false),
        cell(metric, production, true),
        cell(metric, noSlack, true),
        metric.target,
      ];
    }),
    [
      'server process',
      'node, plain JS',
      'node, plain JS, MCP SDK',
      'the same, dist/mcp adapters',
      result.compiled ? 'node dist/ (npm run build)' : 'tsx src/',
      '',
      '',
    ],
  ];
}

/**
 * The line under the table that splits a call's CPU: the SDK floor's share (what the SDK's handling of a tool
 * doing the ceiling's work costs) and ours beyond it, each as a ratio measured round by round.
 */
export function floorSummary(result: CeilingResult): string {
  const cpu = METRICS.find((metric) => metric.label === 'server CPU per call, 32 clients')!;
  const ratio = (target: TargetFigures, base: TargetFigures) => ratioTo(cpu, target, base).toFixed(2);
  const ours = (base: TargetFigures) =>
    `${ratio(result.production, base)}× (Slack) / ${ratio(result.noSlack, base)}× (no Slack)`;
  return (
    `CPU per call: the SDK floor ${ratio(result.floor, result.ceiling)}× the bare ceiling's as shipped, ` +
    `${ratio(result.leanFloor, result.ceiling)}× through our bridge; ours ${ours(result.floor)} the first, ` +
    `${ours(result.leanFloor)} the second. Loaded ratios are medians of ${result.ceiling.rounds.length} ` +
    'interleaved rounds.'
  );
}

/** Redis commands of each target per call, for the line under the table. */
export function redisTops(result: CeilingResult): string {
  return [result.ceiling, result.floor, result.leanFloor, result.production, result.noSlack]
    .map((t) => `${t.name}: ${t.redis.top}`)
    .join('\n');
}
