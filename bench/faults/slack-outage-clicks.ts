// Fault scenario: Slack's Web API is down while approvers click. Half the clicks come from Bob (his profile
// cached by an earlier click), half from Carol (never seen, so her clicks must wait for Slack). Counts the clicks
// applied, the messages right at the end and the clickers told. Alone: `npx tsx bench/faults/slack-outage-clicks.ts
// [--clicks=20] [--outage-ms=60000]`.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { DeliveryResult, SlackMessage } from '../../src/sandbox/slack/index.js';
import { CAROL } from '../../test/support/server-process.js';
import { sleep } from '../lib/gateway-env.js';
import {
  APPROVALS_CHANNEL,
  approveValue,
  SLACK_APPROVER,
  startSlackBenchEnvironment,
} from '../lib/slack-env.js';
import { round } from '../lib/stats.js';
import type { FaultRow } from './row.js';

export interface SlackOutageClicksOptions {
  clicks: number;
  /** How long the Web API answers 500 to everything; the clicks are spread over its first half. */
  outageMs: number;
  /** Gives up waiting for the outcome this long after Slack is back (default 3 min). */
  settleMaxMs?: number;
}

interface Click {
  grantId: string;
  as: string;
  approve: boolean;
  message: SlackMessage;
  result?: DeliveryResult;
}

export async function runSlackOutageClicks(options: SlackOutageClicksOptions): Promise<FaultRow[]> {
  const { clicks: count, outageMs } = options;
  const scenario = `Slack Web API outage ${round(outageMs / 1000, 1)} s, ${count} clicks`;
  const bench = await startSlackBenchEnvironment();
  try {
    const { slack, store } = bench;
    const client = await bench.connect('outage_clicks');
    const ids: string[] = [];
    for (let i = 0; i <= count; i++) ids.push(await bench.requestCall(client, `outage-${i}`));
    const messages = await Promise.all(ids.map((id) => bench.messageOf(id, 60_000)));

    // Bob clicks once while Slack is up: from then on his profile is in the shared cache.
    await bench.approve(messages[0]!);
    await until(async () => (await store.get(ids[0]!))?.status === 'approved', 30_000);

    const clicks: Click[] = ids.slice(1).map((grantId, i) => ({
      grantId,
      as: i % 2 === 0 ? SLACK_APPROVER : CAROL.id,
      approve: i % 5 !== 4,
      message: messages[i + 1]!,
    }));
    slack.outage('*', { status: 500 });
    const down = performance.now();
    const spacing = outageMs / 2 / Math.max(1, count);
    try {
      for (const [i, click] of clicks.entries()) {
        await sleep(Math.max(0, down + i * spacing - performance.now()));
        click.result = await slack.click({
          as: click.as,
          channel: APPROVALS_CHANNEL,
          ts: click.message.ts,
          actionId: click.approve ? 'cs_approve' : 'cs_deny',
        });
      }
      await sleep(Math.max(0, down + outageMs - performance.now()));
    } finally {
      slack.outage('*', null);
    }
    const decidedInOutage = await countDecided(clicks, bench.store);
    const back = performance.now();

    const state = async () => {
      const applied = await countDecided(clicks, store);
      const correct = clicks.filter((c) => showsOutcome(c, slack.messages(APPROVALS_CHANNEL))).length;
      const told = clicks.filter((c) => wasTold(c, slack)).length;
      return { applied, correct, told };
    };
    let last = await state();
    let settledMs: number | null = null;
    const deadline = back + (options.settleMaxMs ?? 180_000);
    while (performance.now() < deadline) {
      last = await state();
      if (last.applied === count && last.correct === count && last.told === count) {
        settledMs = performance.now() - back;
        break;
      }
      await sleep(250);
    }
    const all = String(count);
    return [
      row(scenario, 'clicks applied', `${last.applied}/${count}`, `${all}/${all}`, last.applied === count),
      row(scenario, 'messages correct at the end', `${last.correct}/${count}`, 'all', last.correct === count),
      row(scenario, 'clickers told', `${last.told}/${count}`, 'all', last.told === count),
      row(scenario, 'decided during the outage (cached clicker)', `${decidedInOutage}/${count}`),
      row(
        scenario,
        'all settled after Slack was back',
        settledMs === null ? 'not within the wait' : `${round(settledMs / 1000, 1)} s`,
      ),
      row(
        scenario,
        'click answers non-200',
        String(clicks.filter((c) => c.result?.status !== 200).length),
        '0',
        clicks.every((c) => c.result?.status === 200),
      ),
    ];
  } finally {
    await bench.stop();
  }
}

const row = (scenario: string, metric: string, value: string, target?: string, met?: boolean): FaultRow => ({
  scenario,
  metric,
  value,
  ...(target === undefined ? {} : { target, met }),
});

async function countDecided(
  clicks: Click[],
  store: { get(id: string): Promise<{ status: string } | null> },
): Promise<number> {
  const statuses = await Promise.all(clicks.map((c) => store.get(c.grantId)));
  return clicks.filter((c, i) => statuses[i]?.status === (c.approve ? 'approved' : 'denied')).length;
}

/** The request message, re-rendered: the decision in its headline, no Approve button left. */
function showsOutcome(click: Click, messages: SlackMessage[]): boolean {
  const now = messages.find((m) => m.ts === click.message.ts);
  if (!now || approveValue(now) !== undefined) return false;
  return (click.approve ? /approved/i : /denied/i).test(now.text);
}

/**
 * A click that had to wait was told so on its response_url, and is answered with a "Done" notice there (the
 * Web API's ephemeral is the fallback, not counted here); one applied at once is answered by its re-rendered
 * message, which names the clicker.
 */
function wasTold(
  click: Click,
  slack: Awaited<ReturnType<typeof startSlackBenchEnvironment>>['slack'],
): boolean {
  const url = (click.result?.payload as { response_url?: string } | undefined)?.response_url;
  const said = (pattern: RegExp) =>
    slack
      .responses()
      .some(
        (r) => r.url === url && r.status === 200 && pattern.test(String((r.body as { text?: unknown }).text)),
      );
  if (said(/is recorded/)) return said(/Done: you (approved|denied)/);
  const message = slack.messages(APPROVALS_CHANNEL).find((m) => m.ts === click.message.ts);
  const named = message !== undefined && JSON.stringify(message.blocks).includes(`<@${click.as}>`);
  return named && showsOutcome(click, slack.messages(APPROVALS_CHANNEL));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error('timed out');
    await sleep(100);
  }
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runSlackOutageClicks({
    clicks: flag('clicks', 20),
    outageMs: flag('outage-ms', 60_000),
  });
  console.table(rows);
}
