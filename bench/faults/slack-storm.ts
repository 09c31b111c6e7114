// Faults bench: a Slack 429 storm with two worker processes. Slack allows two calls a second per method, so most
// calls meet a 429 while many grants are posted and decided. Measured: calls that arrived inside a Retry-After
// window Slack had announced (target 0) and grants whose message is right at the end (target all).
//   npx tsx bench/faults/slack-storm.ts
import { pathToFileURL } from 'node:url';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { APPROVALS_CHANNEL, SLACK_APPROVER, startSlackBenchEnvironment } from '../lib/slack-env.js';
import type { FaultRow } from './row.js';

const GRANTS = 20;
/** Generous: under the storm every call waits its turn; this only bounds a run that went wrong. */
const SETTLE_MS = 240_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSlackStormFaults(): Promise<FaultRow[]> {
  const bench = await startSlackBenchEnvironment({ settings: { REMINDER_AT: '0' } });
  try {
    const { env, slack } = bench;
    await env.another({}, ['--role=worker']);
    const client = await bench.connect('slack_storm');
    slack.limit('chat.postMessage', { perWindow: 2, windowSeconds: 1 });
    slack.limit('chat.update', { perWindow: 2, windowSeconds: 1 });
    const started = Date.now();

    const ids: string[] = [];
    for (let n = 0; n < GRANTS; n++) ids.push(await bench.requestCall(client, `storm ${n}`));
    const want = new Map(ids.map((id, i) => [id, i % 2 === 0 ? /approved/i : /denied/i]));
    for (const [i, id] of ids.entries()) {
      const message = await bench.messageOf(id, SETTLE_MS);
      await slack.click({
        as: SLACK_APPROVER,
        channel: message.channel,
        ts: message.ts,
        actionId: i % 2 === 0 ? 'cs_approve' : 'cs_deny',
      });
    }

    const messagesOf = (id: string) =>
      slack
        .messages(APPROVALS_CHANNEL)
        .filter((m: SlackMessage) => !m.thread_ts && JSON.stringify(m.blocks).includes(id));
    const correct = () =>
      ids.filter((id) => {
        const messages = messagesOf(id);
        return messages.length === 1 && want.get(id)!.test(messages[0]!.text);
      }).length;
    const deadline = Date.now() + SETTLE_MS;
    while (correct() < GRANTS && Date.now() < deadline) await sleep(250);
    const settledMs = Date.now() - started;
    const right = correct();

    const calls = slack.calls();
    const violations = slack.retryAfterViolations().length;
    const scenario = `Slack 429 storm, 2 workers (${GRANTS} grants, 2 calls/s per method)`;
    await client.close();
    return [
      {
        scenario,
        metric: 'calls inside Retry-After',
        value: String(violations),
        target: '0',
        met: violations === 0,
      },
      {
        scenario,
        metric: 'messages correct at the end',
        value: `${right}/${GRANTS}`,
        target: 'all',
        met: right === GRANTS,
      },
      {
        scenario,
        metric: 'Slack calls (429 answers)',
        value: `${calls.length} (${calls.filter((c) => c.status === 429).length})`,
      },
      { scenario, metric: 'all messages right after', value: `${(settledMs / 1000).toFixed(1)} s` },
    ];
  } finally {
    await bench.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runSlackStormFaults();
  for (const row of rows) {
    const verdict = row.met === undefined ? '' : row.met ? '  ✓' : '  ✗';
    console.log(
      `${row.scenario} | ${row.metric}: ${row.value}${row.target ? ` (target ${row.target})` : ''}${verdict}`,
    );
  }
  process.exit(rows.every((r) => r.met !== false) ? 0 : 1);
}
