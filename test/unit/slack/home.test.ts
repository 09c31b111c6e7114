// Specification of the App Home tab: what waits for the viewer, what is active, Revoke for approvers only.
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/slack/ids.js';
import { homeView } from '../../../src/slack/views/home.js';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { allText, elementsWith } from './block-walk.js';
import { inState, pendingBroad, pendingRequest, viewContext } from './grant-factory.js';

const ctxFor = () => viewContext();

describe('homeView', () => {
  it('has a friendly empty state', () => {
    const view = homeView({ pending: [], active: [], ctxFor, isApprover: true });
    expect(view.type).toBe('home');
    const text = allText(view.blocks);
    expect(text).toContain('Nothing is waiting for you.');
    expect(text).toContain('No assistant has access right now.');
    expect(validateBlocks(view)).toEqual([]);
  });

  it('lists waiting requests with who, what, the deadline and a link to decide', () => {
    const view = homeView({
      pending: [pendingBroad(), pendingRequest()],
      active: [],
      ctxFor,
      isApprover: false,
    });
    const text = allText(view.blocks);
    expect(text).toContain('*Waiting for a decision* (2)');
    expect(text).toContain(
      '<@UREQ> (req@example.com) · Claude Code asks for *write* on Linear, Notion for 30 minutes',
    );
    expect(text).toContain('one POST call to `https://api.linear.app/graphql`');
    expect(text).toContain('Decide by <!date^');
    expect(elementsWith(view.blocks, ACTION.openInBrowser)).toHaveLength(2);
  });

  it('lists active grants with expiry and uses; approvers get a confirmed Revoke carrying the grant id', () => {
    const active = [inState('approved')];
    const forApprover = homeView({ pending: [], active, ctxFor, isApprover: true });
    expect(allText(forApprover.blocks)).toMatch(
      /has \*write\* on Linear, Notion\nUntil <!date\^\d+\^.*· not used/,
    );
    const [revoke] = elementsWith(forApprover.blocks, ACTION.revoke);
    expect(revoke).toMatchObject({ value: 'g_broad1', style: 'danger' });
    expect(revoke!.confirm.title.text).toBe('Revoke this access?');

    const forOthers = homeView({ pending: [], active, ctxFor, isApprover: false });
    expect(elementsWith(forOthers.blocks, ACTION.revoke)).toEqual([]);
  });

  it('gives each listed grant its own block id', () => {
    const active = [inState('approved'), { ...inState('approved'), id: 'g_2' }];
    const view = homeView({ pending: [pendingBroad(), pendingRequest()], active, ctxFor, isApprover: true });
    const ids = view.blocks.map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
