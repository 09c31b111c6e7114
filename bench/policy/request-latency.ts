// request_elevated_access p50 with and without a 200-rule POLICY_FILE, in the same run (target: within 10%).
// Two servers side by side, calls alternated between them so drift and load hit both alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../../test/support/mcp-client.js';
import { startEnvironment } from '../../test/support/server-process.js';
import { round, summarize } from '../lib/stats.js';
import { policyYaml } from './evaluate.js';

export interface RequestLatencyRow {
  server: 'no POLICY_FILE' | 'POLICY_FILE, 200 rules';
  p50Ms: number;
  p99Ms: number;
}

export async function runRequestLatency(
  options: { iterations?: number; warmup?: number } = {},
): Promise<{ rows: RequestLatencyRow[]; p50Ratio: number }> {
  const iterations = options.iterations ?? 300;
  const warmup = options.warmup ?? 30;
  const file = join(mkdtempSync(join(tmpdir(), 'cs-bench-policy-')), 'policy.yml');
  writeFileSync(file, policyYaml(200));
  const common = { REQUESTS_PER_MINUTE: '1000000', LOG_LEVEL: 'error' };
  const plain = await startEnvironment(common);
  const ruled = await startEnvironment({ ...common, POLICY_FILE: file });
  try {
    const clients = await Promise.all(
      [plain, ruled].map(async (env, i) =>
        connectClient(
          env.server.url,
          await env.workos.mintAccessToken(ALICE.id, { sid: `bench_policy_${i}` }),
          'bench',
        ),
      ),
    );
    const samples: number[][] = [[], []];
    for (let n = 0; n < warmup + iterations; n++) {
      for (const i of n % 2 === 0 ? [0, 1] : [1, 0]) {
        const started = performance.now();
        const result = await callTool(clients[i]!, 'request_elevated_access', {
          kind: 'session',
          level: 'read',
          providers: ['linear'],
          reason: 'benchmark',
        });
        const took = performance.now() - started;
        if (result.isError) throw new Error(`request failed: ${textOf(result).slice(0, 300)}`);
        if (n >= warmup) samples[i]!.push(took);
      }
    }
    await Promise.all(clients.map((client) => client.close()));
    const [a, b] = samples.map(summarize) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
    return {
      rows: [
        { server: 'no POLICY_FILE', p50Ms: round(a.p50), p99Ms: round(a.p99) },
        { server: 'POLICY_FILE, 200 rules', p50Ms: round(b.p50), p99Ms: round(b.p99) },
      ],
      p50Ratio: round(b.p50 / a.p50),
    };
  } finally {
    await plain.stop();
    await ruled.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runRequestLatency();
  console.table(result.rows);
  console.log(`p50 with / without the policy file: ${result.p50Ratio} (target ≤ 1.10)`);
  process.exit(0);
}
