// Specification of the short notices: refusals, lost races, the requester's outcome DM, bad clicks.
import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import {
  invalidActionNotice,
  lostRaceNotice,
  outcomeDm,
  refusedNotice,
} from '../../../src/slack/views/notices.js';
import { allText } from './block-walk.js';
import { advance, inState, MINUTE, pendingBroad, people, SECOND, T0, viewContext } from './grant-factory.js';

describe('refusedNotice and invalidActionNotice', () => {
  it('say why, escaped', () => {
    expect(refusedNotice('self-approval is limited to read').text).toBe(
      "You can't decide this request: self-approval is limited to read",
    );
    expect(invalidActionNotice('unknown request <g_1>').text).toBe(
      "That didn't work: unknown request &lt;g_1&gt;. Nothing was changed.",
    );
  });
});

describe('lostRaceNotice', () => {
  // The approval in the factory happens at T0 + 1 min; the loser clicks 12 s later.
  const ctx = viewContext({ now: T0 + MINUTE + 12 * SECOND });

  it('names who won and how long ago', () => {
    expect(lostRaceNotice(inState('approved'), ctx).text).toBe('Already approved by <@UALICE> 12 s ago.');
    expect(lostRaceNotice(inState('denied'), ctx).text).toBe('Already denied by <@UALICE> 12 s ago.');
  });

  it('uses the email of a decider from the web, or their Slack id when the caller resolved it', () => {
    const web = advance(pendingBroad(), 'approved', { by: people.bob });
    expect(lostRaceNotice(web, ctx).text).toBe('Already approved by bob@example.com 12 s ago.');
    expect(lostRaceNotice(web, { ...ctx, deciderSlackUserId: 'UBOB' }).text).toBe(
      'Already approved by <@UBOB> 12 s ago.',
    );
  });

  it('explains requests that ended without a decision', () => {
    expect(lostRaceNotice(inState('expired'), ctx).text).toBe(
      'This request expired 12 s ago without a decision.',
    );
    expect(lostRaceNotice(inState('superseded'), ctx).text).toMatch(
      /^This request was replaced by a newer one 12 s ago/,
    );
    expect(lostRaceNotice(inState('cancelled'), ctx).text).toBe(
      'The assistant withdrew this request 12 s ago.',
    );
  });

  it('tells the approval and what followed for finished access', () => {
    const later = viewContext({ now: T0 + 5 * MINUTE });
    expect(lostRaceNotice(inState('revoked'), later).text).toBe(
      'Already approved by <@UALICE> 4 min ago; bob@example.com revoked it 3 min ago.',
    );
    expect(lostRaceNotice(inState('ended'), later).text).toMatch(/; that access has since ended\.$/);
  });
});

describe('outcomeDm', () => {
  const ctx = viewContext();

  it('approved: who, the granted scope, until when, and the instructions in full', () => {
    const dm = outcomeDm(inState('approved'), ctx);
    expect(dm.text).toMatch(
      /^✅ <@UALICE> approved Claude Code's request: \*write\* on Linear, Notion for 30 minutes until <!date\^/,
    );
    expect(allText(dm.blocks)).toContain('*Instructions to the assistant*\n> Only touch ENG issues');
    expect(validateBlocks(dm)).toEqual([]);
  });

  it('approved with narrowing: says what was asked', () => {
    const narrowed = advance(pendingBroad(), 'approved', {}, { level: 'read', providers: ['notion'] });
    expect(outcomeDm(narrowed, ctx).text).toContain(
      '*read* on Notion for 30 minutes _(asked: write on Linear, Notion',
    );
  });

  it('denied: who and the reason', () => {
    const dm = outcomeDm(inState('denied'), ctx);
    expect(dm.text).toBe("❌ <@UALICE> denied Claude Code's request for write access to Linear, Notion.");
    expect(allText(dm.blocks)).toContain('*Reason*\n> Not during the freeze');
  });

  it('expired: how long nobody decided', () => {
    expect(outcomeDm(inState('expired'), ctx).text).toBe(
      "⌛ Claude Code's request for write access to Linear, Notion expired: nobody decided within 5 minutes.",
    );
  });
});
