// Specification of the App Home tab by role: your own requests and access for everyone, decisions for
// approvers, every active grant and the latest audit for admins.
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/slack/ids.js';
import { type HomeInput, homeView } from '../../../src/slack/views/home.js';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { allText, elementsWith } from './block-walk.js';
import { inState, pendingBroad, pendingRequest, viewContext } from './grant-factory.js';

const ctxFor = () => viewContext();
const home = (over: Partial<HomeInput>) =>
  homeView({
    mine: { pending: [], active: [] },
    toDecide: [],
    allActive: null,
    recentAudit: null,
    ctxFor,
    ...over,
  });

describe('homeView', () => {
  it('has a friendly empty state, and no approver or admin sections for a requester', () => {
    const view = home({});
    expect(view.type).toBe('home');
    const text = allText(view.blocks);
    expect(text).toContain('*Your assistants’ access* (0)');
    expect(text).toContain('*Your requests waiting* (0)');
    expect(text).not.toContain('Waiting for your decision');
    expect(text).not.toContain('All active access');
    expect(validateBlocks(view)).toEqual([]);
  });

  it('shows the viewer’s own access with End now, and their waiting requests', () => {
    const view = home({ mine: { pending: [pendingRequest()], active: [inState('approved')] } });
    const text = allText(view.blocks);
    expect(text).toMatch(/has \*write\* on Linear, Notion\nUntil <!date\^\d+\^.*· not used/);
    expect(text).toContain('one POST call to `https://api.linear.app/graphql`');
    const [end] = elementsWith(view.blocks, ACTION.revoke);
    expect(end).toMatchObject({ value: 'g_broad1', style: 'danger', text: { text: 'End now' } });
    expect(elementsWith(view.blocks, ACTION.approve)).toEqual([]);
  });

  it('gives approvers what waits for their decision, with Approve as asked and a confirmed Deny', () => {
    const view = home({ toDecide: [pendingBroad(), pendingRequest()] });
    const text = allText(view.blocks);
    expect(text).toContain('*Waiting for your decision* (2)');
    expect(text).toContain('Decide by <!date^');
    expect(elementsWith(view.blocks, ACTION.approve).map((b) => b.value)).toEqual([
      'g_broad1',
      pendingRequest().id,
    ]);
    expect(elementsWith(view.blocks, ACTION.deny)[0]!.confirm.title.text).toBe('Deny this request?');
    expect(elementsWith(view.blocks, ACTION.openInBrowser)).toHaveLength(2);
  });

  it('gives admins every active grant with Revoke, and the latest audit lines', () => {
    const view = home({ allActive: [inState('approved')], recentAudit: ['*grant.approved* · `g_broad1`'] });
    const text = allText(view.blocks);
    expect(text).toContain('*All active access* (1)');
    expect(text).toContain('*grant.approved* · `g_broad1`');
    expect(elementsWith(view.blocks, ACTION.revoke)[0]).toMatchObject({ text: { text: 'Revoke' } });
  });

  it('gives each listed grant its own block id', () => {
    const active = [inState('approved'), { ...inState('approved'), id: 'g_2' }];
    const view = home({
      mine: { pending: [pendingBroad()], active },
      toDecide: [pendingRequest()],
      allActive: active,
      recentAudit: [],
    });
    const ids = view.blocks.map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows a one-call request’s body before Approve as asked, which asks for confirmation', () => {
    const view = home({ toDecide: [pendingRequest()] });
    const text = allText(view.blocks);
    expect(text).toContain('issueUpdate(id:');
    const approve = elementsWith(view.blocks, ACTION.approve)[0]!;
    expect(approve.confirm.title.text).toBe('Approve this call?');
    expect(approve.confirm.text.text).toMatch(
      /^POST https:\/\/api\.linear\.app\/graphql\nBody: .*issueUpdate/,
    );
    expect(validateBlocks(view)).toEqual([]);
  });

  it('bounds a huge body, pointing at Open for the rest', () => {
    const body = JSON.stringify({ query: 'x'.repeat(20_000) });
    const view = home({
      toDecide: [
        pendingRequest({ request: { method: 'POST', url: 'https://api.linear.app/graphql', body } }),
      ],
    });
    expect(allText(view.blocks)).toMatch(/more characters: \*Open\* shows the full body/);
    const approve = elementsWith(view.blocks, ACTION.approve)[0]!;
    expect(approve.confirm.text.text.length).toBeLessThanOrEqual(300);
    expect(validateBlocks(view)).toEqual([]);
  });

  it('shows admins what the Slack self-check found', () => {
    const view = home({
      allActive: [],
      recentAudit: [],
      setupProblems: ['The bot is not in #access-approvals'],
    });
    expect(allText(view.blocks)).toMatch(/Slack setup needs attention[\s\S]*not in #access-approvals/);
    expect(allText(home({}).blocks)).not.toMatch(/Slack setup/);
  });
});
