// Microbenchmark: policy evaluation time per request at 200 rules (target ≤ 50 µs), and loading a 200-rule file.
// Alone: `npx tsx bench/policy/evaluate.ts`. No Redis, no server: the engine is pure.
import { fileURLToPath } from 'node:url';
import { evaluatePolicy, type PolicyRequest } from '../../src/grants/rules/evaluate.js';
import { parsePolicyText } from '../../src/grants/rules/load.js';
import { round, summarize } from '../lib/stats.js';

export interface PolicyBenchRow {
  scenario: string;
  rules: number;
  /** Rules governing the request (some provider), of `rules`. */
  governing: number;
  /** Microseconds per evaluation: best, median and 99th percentile of the batches' means (best = least noise). */
  minUs: number;
  p50Us: number;
  p99Us: number;
}

const PROVIDERS = Array.from({ length: 20 }, (_, i) => `provider${i}`);

/** A 200-rule file shaped like a big organisation's: most rules narrow, some with hours, a few catch-alls. */
export function policyYaml(count: number): string {
  const lines = ['version: 1', 'rules:'];
  for (let i = 0; i < count; i++) {
    const provider = PROVIDERS[i % PROVIDERS.length]!;
    lines.push(`  - id: rule-${i}`, `    description: generated rule ${i}`);
    if (i === count - 1) {
      lines.push(
        '    fallback: true',
        '    selfApprove: read',
        '    approvers:',
        '      slackGroups: [S0APPROVERS]',
      );
      continue;
    }
    lines.push('    match:', `      providers: [${provider}, ${PROVIDERS[(i + 7) % PROVIDERS.length]}]`);
    switch (i % 5) {
      case 0:
        lines.push(
          '      level: write',
          '      requester:',
          `        slackGroups: [S0TEAM${i % 13}, S0TEAM${(i + 1) % 13}]`,
        );
        lines.push(
          '    approvals: 2',
          '    approvers:',
          `      slackGroups: [S0LEADS${i % 7}]`,
          '    maxDuration: 2h',
        );
        break;
      case 1: {
        const emails = Array.from({ length: 10 }, (_, k) => `user${i * 10 + k}@example.com`).join(', ');
        lines.push(
          '      level: read',
          '      requester:',
          `        emails: [${emails}, "*@contractor${i}.com"]`,
        );
        lines.push('    decision: approve', '    maxDuration: 8h');
        break;
      }
      case 2:
        lines.push('      kind: call', '      methods: [POST, PATCH]');
        lines.push(
          `      urls: ["https://api.${provider}.example/v1/*", '^https://api\\.${provider}\\.example/v[0-9]+/items/[0-9]+$']`,
        );
        lines.push(
          '    requireReason: true',
          '    hours:',
          '      timezone: Europe/Berlin',
          '      days: [mon, tue, wed, thu, fri]',
        );
        lines.push('      from: "08:00"', '      to: "19:00"', '    outsideHours: needs-approval');
        break;
      case 3:
        lines.push(
          '      clients: [claude-code, "cursor*"]',
          '    selfApprove: read',
          '    limits:',
          '      maxPending: 5',
        );
        break;
      default:
        lines.push('      requester:', `        organizations: [org_${i}]`, '    decision: deny');
    }
  }
  return `${lines.join('\n')}\n`;
}

const requester = (overrides: Partial<PolicyRequest['requester']> = {}): PolicyRequest['requester'] => ({
  email: 'user11@example.com',
  organizationId: 'org_none',
  slackUserId: 'U0USER11',
  slackGroups: ['S0TEAM1', 'S0TEAM5', 'S0OTHER'],
  ...overrides,
});

const SCENARIOS: { name: string; request: PolicyRequest }[] = [
  {
    name: 'session read, 1 provider',
    request: {
      providers: ['provider1'],
      level: 'read',
      kind: 'session',
      requester: requester(),
      clientName: 'claude-code',
      call: null,
    },
  },
  {
    name: 'session write, 3 providers, groups',
    request: {
      providers: ['provider0', 'provider7', 'provider13'],
      level: 'write',
      kind: 'session',
      requester: requester(),
      clientName: 'cursor-1.4',
      call: null,
    },
  },
  {
    name: 'one call POST with URL patterns',
    request: {
      providers: ['provider2'],
      level: 'write',
      kind: 'call',
      requester: requester(),
      clientName: 'claude-code',
      call: { method: 'POST', url: 'https://api.provider2.example/v3/items/42' },
    },
  },
  {
    name: 'no rule but the fallback',
    request: {
      providers: ['unknown'],
      level: 'read',
      kind: 'session',
      requester: requester(),
      clientName: null,
      call: null,
    },
  },
];

function measure(run: () => void, batch: number, batches: number): { min: number; p50: number; p99: number } {
  for (let i = 0; i < batch * 5; i++) run(); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) run();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  const summary = summarize(samples);
  return { min: round(summary.min, 2), p50: round(summary.p50, 2), p99: round(summary.p99, 2) };
}

export function runPolicyEvaluate(options: { rules?: number; batches?: number } = {}): PolicyBenchRow[] {
  const count = options.rules ?? 200;
  const batches = options.batches ?? 200;
  const text = policyYaml(count);
  const load = parsePolicyText(text, 'bench.yml');
  if (!load.ok) throw new Error(`bench policy invalid: ${load.errors[0]?.message}`);
  const policy = load.policy;
  const at = Date.parse('2026-12-02T10:00:00Z');
  const rows: PolicyBenchRow[] = SCENARIOS.map(({ name, request }) => {
    const governing = evaluatePolicy(policy, request, at).rules.length;
    const timing = measure(() => evaluatePolicy(policy, request, at), 200, batches);
    return {
      scenario: name,
      rules: count,
      governing,
      minUs: timing.min,
      p50Us: timing.p50,
      p99Us: timing.p99,
    };
  });
  // Reloading the file (parse, validate, compile) happens on every change; one batch of 1 per sample.
  const reload = measure(() => parsePolicyText(text, 'bench.yml'), 1, Math.max(20, batches / 4));
  rows.push({
    scenario: 'load the file (parse+validate+compile)',
    rules: count,
    governing: 0,
    minUs: reload.min,
    p50Us: reload.p50,
    p99Us: reload.p99,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = runPolicyEvaluate();
  console.table(rows);
  const worst = Math.max(...rows.slice(0, -1).map((row) => row.p50Us));
  console.log(
    `worst evaluation p50: ${worst} µs per request at 200 rules (target ≤ 50 µs): ${worst <= 50 ? 'PASS' : 'FAIL'}`,
  );
}
