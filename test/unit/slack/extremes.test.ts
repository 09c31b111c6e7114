// Specification: the largest grants anyone can send still render as Block Kit that Slack accepts.
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { ACTION } from '../../../src/slack/ids.js';
import { auditLine } from '../../../src/slack/views/audit-line.js';
import { homeView } from '../../../src/slack/views/home.js';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { lostRaceNotice, outcomeDm } from '../../../src/slack/views/notices.js';
import { requestMessage } from '../../../src/slack/views/request-message.js';
import { allText, elementsWith } from './block-walk.js';
import { inState, pendingBroad, pendingRequest, reachable, viewContext } from './grant-factory.js';

/** Worst cases: `&<>` triple in length when escaped, so they stress every limit harder than letters. */
const nasty = (n: number) => '&<>x'.repeat(Math.ceil(n / 4)).slice(0, n);
const providers = Array.from(
  { length: 25 },
  (_, i) => `provider-${String(i).padStart(2, '0')}-${'p'.repeat(20)}`,
);
const longEmail = `${'a&b<c>'.repeat(60)}@${'example'.repeat(30)}.com`;
const body = JSON.stringify({
  items: Array.from({ length: 2000 }, (_, i) => ({ id: i, text: `<${nasty(30)}>` })),
});
const url = `https://api.linear.app/graphql?${'q=&<>'.repeat(1000)}`.slice(0, 4096);

const extremeBroad = pendingBroad({
  id: `g_${'x'.repeat(200)}`,
  reason: nasty(3000),
  clientName: nasty(500),
  providers,
  requestedProviders: providers,
  requestedDurationMs: 30 * 24 * 3_600_000,
});
const extremeCall = pendingRequest({
  id: `g_${'y'.repeat(200)}`,
  reason: nasty(3000),
  clientName: nasty(500),
  request: { method: 'PATCH', url, body },
});
/** Long approver notes and reasons, in every state that shows them. */
const settle = (grant: Grant, status: Grant['status']): Grant => {
  const g = inState(status, grant);
  return {
    ...g,
    instructions: g.instructions ? nasty(2000) : null,
    statusReason: g.statusReason ? nasty(2000) : null,
    supersededBy: g.supersededBy ? 'g_'.padEnd(300, 'z') : null,
    uses: 123_456,
  };
};
const ctx = viewContext({
  requester: { email: longEmail, slackUserId: null },
  providerNames: Object.fromEntries(providers.map((p) => [p, `${p} ${'Name'.repeat(30)}`])),
  approvalUrl: `https://countersign.example.com/approve?t=${'t'.repeat(2900)}`,
  maxAccessMs: 30 * 24 * 3_600_000,
});

describe('extreme grants stay within every Block Kit limit', () => {
  it('is checked for these sizes', () => {
    expect(body.length).toBeGreaterThan(100_000);
    expect(url).toHaveLength(4096);
    expect(longEmail.length).toBeGreaterThan(500);
  });

  for (const [kind, start] of [
    ['broad', extremeBroad],
    ['request', extremeCall],
  ] as const) {
    for (const status of reachable(kind)) {
      it(`${kind} ${status}`, () => {
        const grant = settle(start, status);
        expect(validateBlocks(requestMessage(grant, ctx))).toEqual([]);
        expect(requestMessage(grant, ctx).text.length).toBeLessThan(300);
        expect(validateBlocks(outcomeDm(grant, ctx))).toEqual([]);
        expect(validateBlocks({ blocks: [], ...lostRaceNotice(grant, ctx) })).toEqual([]);
        const event = status === 'pending' ? 'requested' : status;
        expect(
          validateBlocks(auditLine(event, grant, { ...ctx, permalink: 'https://slack.example.com/p1' })),
        ).toEqual([]);
      });
    }
  }

  it('splits 25 providers into checkbox groups of at most 10, every one ticked', () => {
    const { blocks } = requestMessage(extremeBroad, ctx);
    const groups = elementsWith(blocks, ACTION.providers);
    expect(groups.map((g) => g.options.length)).toEqual([10, 10, 5]);
    expect(groups.flatMap((g) => g.initial_options.map((o: any) => o.value))).toEqual(providers);
  });

  it('leaves the checkboxes out, saying so, when even groups of 10 would not fit in 50 blocks', () => {
    const lots = Array.from({ length: 500 }, (_, i) => `p${i}`);
    const message = requestMessage(pendingBroad({ providers: lots, requestedProviders: lots }), ctx);
    expect(elementsWith(message.blocks, ACTION.providers)).toEqual([]);
    expect(allText(message.blocks)).toContain('approving grants all of them');
    expect(elementsWith(message.blocks, ACTION.approve)).toHaveLength(1);
    expect(validateBlocks(message)).toEqual([]);

    const most = lots.slice(0, 420);
    const full = requestMessage(pendingBroad({ providers: most, requestedProviders: most }), ctx);
    expect(elementsWith(full.blocks, ACTION.providers)).toHaveLength(42);
    expect(full.blocks).toHaveLength(50);
    expect(validateBlocks(full)).toEqual([]);
  });

  it('cuts the body with a note saying how much is left out, counted in characters of the body', () => {
    const { blocks } = requestMessage(extremeCall, ctx);
    const section = (blocks.find((b) => b.block_id?.startsWith('cs_body')) as any).text.text.split(
      '*Body*\n',
    )[1];
    const note = /\n_\((\d+) more characters; open in browser for the full body\)_$/.exec(section);
    expect(note).not.toBeNull();
    const shown = section
      .slice(4, section.indexOf('…\n```'))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    expect(pretty.startsWith(shown)).toBe(true);
    expect(shown.length + Number(note![1])).toBe(pretty.length);
  });

  it('cuts a 4096-character URL to fit, without a browser hint once the link is gone', () => {
    const decided = requestMessage(settle(extremeCall, 'denied'), viewContext());
    expect(allText(decided.blocks)).toMatch(/\n_\(\d+ more characters not shown\)_/);
  });

  it('drops a consent link longer than Slack allows instead of breaking the message', () => {
    const huge = viewContext({ approvalUrl: `https://countersign.example.com/?t=${'t'.repeat(3000)}` });
    const message = requestMessage(pendingBroad(), huge);
    expect(elementsWith(message.blocks, ACTION.openInBrowser)).toEqual([]);
    expect(validateBlocks(message)).toEqual([]);
  });

  it('keeps a Home tab with hundreds of grants within 100 blocks', () => {
    const many = (g: Grant, n: number) => Array.from({ length: n }, (_, i) => ({ ...g, id: `${g.id}_${i}` }));
    const active = many(settle(extremeCall, 'approved'), 150);
    const view = homeView({
      mine: { pending: many(extremeBroad, 150), active },
      toDecide: many(extremeBroad, 150),
      allActive: active,
      recentAudit: Array.from({ length: 10 }, () => 'x'.repeat(400)),
      ctxFor: () => ctx,
    });
    expect(validateBlocks(view)).toEqual([]);
    expect(allText(view.blocks)).toMatch(/…and \d+ more not shown here\./);
  });
});
