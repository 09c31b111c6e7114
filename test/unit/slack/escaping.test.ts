// Specification: text from assistants (and from people) shows in Slack exactly as typed and can never ping, link or mention.
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { auditLine } from '../../../src/slack/views/audit-line.js';
import { homeView } from '../../../src/slack/views/home.js';
import { lostRaceNotice, outcomeDm } from '../../../src/slack/views/notices.js';
import { requestMessage } from '../../../src/slack/views/request-message.js';
import { allText, hasUnsafeSequence, unsafeMrkdwn } from './block-walk.js';
import {
  advance,
  EVIL,
  EVIL_ESCAPED,
  inState,
  pendingBroad,
  pendingRequest,
  reachable,
  viewContext,
} from './grant-factory.js';

/** Agent text everywhere it can appear: reason, client name, URL, body, and a provider it made up. */
const evilBroad = pendingBroad({
  reason: EVIL,
  clientName: EVIL,
  providers: ['linear', EVIL],
  requestedProviders: ['linear', EVIL],
});
const evilCall = pendingRequest({
  reason: EVIL,
  clientName: EVIL,
  request: {
    method: 'POST',
    url: `https://api.linear.app/graphql?q=${EVIL}`,
    body: JSON.stringify({ query: EVIL }),
  },
});
/** People's text (approver notes, denial and revocation reasons) is escaped the same way. */
const evilSteps = (grant: Grant, status: Grant['status']) => {
  const settled = inState(status, grant);
  return {
    ...settled,
    instructions: settled.instructions ? EVIL : null,
    statusReason: settled.statusReason ? EVIL : null,
  };
};
const ctx = viewContext({ requester: { email: `x${EVIL}@example.com`, slackUserId: null } });

/** The top-level text is mrkdwn in notifications, so it must not carry a raw special sequence either. */
function expectSafeText(text: string) {
  expect(hasUnsafeSequence(text), text).toBe(false);
}

describe('agent text in the request message', () => {
  for (const [kind, start] of [
    ['broad', evilBroad],
    ['request', evilCall],
  ] as const) {
    for (const status of reachable(kind)) {
      it(`${kind} ${status}: every mrkdwn text is verbatim and escaped; the top-level text too`, () => {
        const message = requestMessage(evilSteps(start, status), ctx);
        expect(unsafeMrkdwn(message.blocks)).toEqual([]);
        expectSafeText(message.text);
      });
    }
  }

  it('shows the reason, client name and made-up provider as typed', () => {
    const shown = allText(requestMessage(evilBroad, ctx).blocks);
    expect(shown).toContain(`> ${EVIL_ESCAPED}`);
    expect(shown).toContain('*Assistant*\n&lt;!channel&gt; &lt;http://evil|click&gt;');
    expect(shown).toContain(`Linear, ${EVIL_ESCAPED}`);
    expect(shown).toContain(`*Requested by*\nx${EVIL_ESCAPED}@example.com`);
  });

  it('shows the URL and the body as typed, inside code blocks', () => {
    const shown = allText(requestMessage(evilCall, ctx).blocks);
    expect(shown).toContain(`\`\`\`\nhttps://api.linear.app/graphql?q=${EVIL_ESCAPED}\n\`\`\``);
    expect(shown).toContain(`"query": "${EVIL_ESCAPED}"`);
  });

  it('shows approver instructions and reasons as typed', () => {
    expect(allText(requestMessage(evilSteps(evilBroad, 'approved'), ctx).blocks)).toContain(
      `*Instructions to the assistant*\n> ${EVIL_ESCAPED}`,
    );
    expect(allText(requestMessage(evilSteps(evilBroad, 'denied'), ctx).blocks)).toContain(
      `*Reason*\n> ${EVIL_ESCAPED}`,
    );
  });

  it('keeps plain_text objects unescaped (Slack never parses them), e.g. the made-up provider checkbox', () => {
    const { blocks } = requestMessage(evilBroad, ctx);
    expect(JSON.stringify(blocks)).toContain(JSON.stringify(EVIL));
  });
});

describe('agent text in notices, audit lines and the Home tab', () => {
  it('is escaped in the requester DM and in lost-race notices', () => {
    for (const status of ['approved', 'denied', 'expired'] as const) {
      const dm = outcomeDm(evilSteps(evilBroad, status), ctx);
      expect(unsafeMrkdwn(dm.blocks)).toEqual([]);
      expectSafeText(dm.text);
    }
    expect(allText(outcomeDm(evilSteps(evilBroad, 'approved'), ctx).blocks)).toContain(`> ${EVIL_ESCAPED}`);
    const decider = advance(evilBroad, 'approved', {
      by: { type: 'user', id: 'w', email: EVIL, via: 'web' },
    });
    expectSafeText(lostRaceNotice(decider, ctx).text);
  });

  it('is escaped in every audit line', () => {
    for (const status of reachable('request')) {
      const grant = evilSteps(evilCall, status);
      const line = auditLine(status === 'pending' ? 'requested' : status, grant, { ...ctx, detail: EVIL });
      expect(unsafeMrkdwn(line.blocks)).toEqual([]);
      expectSafeText(line.text);
    }
    const refused = auditLine('refused_click', evilBroad, { ...ctx, detail: EVIL, clickedBy: 'UMALLORY' });
    expect(allText(refused.blocks)).toContain(`“${EVIL_ESCAPED}”`);
  });

  it('is escaped on the Home tab', () => {
    const active = [evilSteps(evilBroad, 'approved')];
    const view = homeView({
      mine: { pending: [evilCall], active },
      toDecide: [evilBroad, evilCall],
      allActive: active,
      recentAudit: [],
      ctxFor: () => ctx,
    });
    expect(unsafeMrkdwn(view.blocks)).toEqual([]);
  });
});
