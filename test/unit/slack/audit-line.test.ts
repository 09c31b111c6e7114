// Specification of audit lines: one compact context block per lifecycle event, linking to the grant's message.
import { describe, expect, it } from 'vitest';
import { auditLine } from '../../../src/slack/views/audit-line.js';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { allText } from './block-walk.js';
import { inState, pendingBroad, pendingRequest, reachable, viewContext } from './grant-factory.js';

const permalink = 'https://slack.example.com/archives/C1/p1700000000000100';
const ctx = { ...viewContext(), permalink };

describe('auditLine', () => {
  for (const status of reachable('request')) {
    const event = status === 'pending' ? 'requested' : status;
    it(`${event}: one context line with the event, the grant id and a link to the message`, () => {
      const line = auditLine(event, inState(status, pendingRequest()), ctx);
      expect(line.blocks).toHaveLength(1);
      expect(line.blocks[0]).toMatchObject({ type: 'context' });
      const text = allText(line.blocks);
      expect(text).toContain(`*${event}*`);
      expect(text).toContain('`g_call1`');
      expect(text).toMatch(
        / · <https:\/\/slack\.example\.com\/archives\/C1\/p1700000000000100\|open message>$/,
      );
      expect(line.text).toMatch(new RegExp(`^${event}: g_call1`));
      expect(validateBlocks(line)).toEqual([]);
    });
  }

  it('says who did what, using the entry of that event even after the grant moved on', () => {
    const revoked = inState('revoked');
    expect(allText(auditLine('approved', revoked, ctx).blocks)).toContain(
      '<@UALICE> approved *write* on Linear, Notion for 30 minutes for <@UREQ> (Claude Code)',
    );
    expect(allText(auditLine('revoked', revoked, ctx).blocks)).toContain(
      "bob@example.com revoked <@UREQ>'s access (used 3 times): “Enough for today”",
    );
    const replaced = { ...inState('ended'), supersededBy: 'g_newer_approved' };
    expect(allText(auditLine('ended', replaced, ctx).blocks)).toContain(
      "<@UREQ>'s access was replaced by a newer approved request (`g_newer_approved`",
    );
    expect(allText(auditLine('requested', pendingBroad(), ctx).blocks)).toContain(
      'Claude Code for <@UREQ> asks for write on Linear, Notion for 30 minutes, decide by <!date^',
    );
  });

  it('records a refused click with who clicked and why', () => {
    const line = auditLine('refused_click', pendingBroad(), {
      ...ctx,
      clickedBy: 'UMALLORY',
      detail: 'not an approver',
    });
    expect(allText(line.blocks)).toContain(
      "🛑 *refused* · <@UMALLORY> was refused on <@UREQ>'s request for write on Linear, Notion for 30 minutes: “not an approver”",
    );
  });

  it('leaves out a missing or malformed permalink rather than building a broken link', () => {
    expect(
      allText(auditLine('approved', inState('approved'), { ...ctx, permalink: null }).blocks),
    ).not.toContain('open message');
    for (const bad of ['javascript:alert(1)', 'https://x.example.com/a|evil', 'https://x.example.com/a>b']) {
      expect(
        allText(auditLine('approved', inState('approved'), { ...ctx, permalink: bad }).blocks),
      ).not.toContain('<java');
      expect(
        allText(auditLine('approved', inState('approved'), { ...ctx, permalink: bad }).blocks),
      ).not.toContain('open message');
    }
  });

  it('gives each event of a grant its own block id', () => {
    const grant = inState('revoked');
    const ids = ['requested', 'approved', 'revoked'].map((e) => auditLine(e, grant, ctx).blocks[0]!.block_id);
    expect(new Set(ids).size).toBe(3);
  });
});
