// A click as recorded at ack(): its id names the Slack action, only our inputs are kept, and a second run of
// the same click recognises its own change instead of reporting a lost race.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/grants/types.js';
import { appliedByThisClick } from '../../../src/slack/click-decide.js';
import { type ClickBody, type ClickRecord, clickRecord } from '../../../src/slack/click-record.js';
import { advance, MINUTE, pendingBroad, T0 } from './grant-factory.js';

const body = (over: Partial<ClickBody> = {}): ClickBody => ({
  user: { id: 'U0BOB', team_id: 'T0SANDBOX' },
  team: { id: 'T0SANDBOX' },
  container: { type: 'message', message_ts: '1768467600.000100' },
  channel: { id: 'C0APPROVALS' },
  message: { ts: '1768467600.000100' },
  response_url: 'https://hooks.slack.com/actions/T0SANDBOX/1/abc',
  trigger_id: '123.456.abc',
  state: {
    values: {
      cs_notes_v1: { cs_notes: { type: 'plain_text_input', value: 'ok' } },
      cs_level_v1: { cs_level: { type: 'static_select', selected_option: { value: 'read' } } },
      other_block: { someone_elses: { type: 'plain_text_input', value: 'x'.repeat(10_000) } },
    },
  },
  ...over,
});
const action = { action_ts: '1768467601.123456' };
const T_END = T0 + 45 * MINUTE;

describe('clickRecord', () => {
  it('names the click by Slack action, person and grant: a redelivered payload is the same click', () => {
    const first = clickRecord(body(), action, { kind: 'approve', grantId: 'g_abc_123' }, T0);
    const again = clickRecord(body(), action, { kind: 'approve', grantId: 'g_abc_123' }, T0 + 5000);
    expect(again.id).toBe(first.id);
    expect(first.id).not.toMatch(/:/);
    expect(
      clickRecord(body(), { action_ts: '1768467601.123457' }, { kind: 'approve', grantId: 'g_abc_123' }, T0)
        .id,
    ).not.toBe(first.id);
    expect(
      clickRecord(body({ user: { id: 'U0CAROL' } }), action, { kind: 'approve', grantId: 'g_abc_123' }, T0)
        .id,
    ).not.toBe(first.id);
    // A forged grant id cannot put a ':' into a BullMQ job id.
    expect(clickRecord(body(), action, { kind: 'deny', grantId: 'g:1 2' }, T0).id).toMatch(/^[\w-]+$/);
  });

  it('keeps what applying needs, and of the inputs only ours', () => {
    const click = clickRecord(body(), action, { kind: 'approve', grantId: 'g_1' }, T0);
    expect(click).toMatchObject({
      kind: 'approve',
      grantId: 'g_1',
      user: 'U0BOB',
      team: 'T0SANDBOX',
      channel: 'C0APPROVALS',
      messageTs: '1768467600.000100',
      responseUrl: 'https://hooks.slack.com/actions/T0SANDBOX/1/abc',
      actionAt: 1768467601123,
      recordedAt: T0,
    });
    expect(Object.keys(click.values).sort()).toEqual(['cs_level_v1', 'cs_notes_v1']);
    expect(clickRecord(body(), action, { kind: 'revoke', grantId: 'g_1' }, T0).values).toEqual({});
  });

  it('records an App Home click without a channel or response_url', () => {
    const home = clickRecord(
      body({ container: { type: 'view' }, channel: undefined, message: undefined, response_url: undefined }),
      action,
      { kind: 'extend', grantId: 'g_1', extendTo: T_END },
      T0,
    );
    expect(home).toMatchObject({ channel: null, messageTs: null, responseUrl: null, extendTo: T_END });
  });
});

describe('appliedByThisClick', () => {
  const bob: Actor = { type: 'user', id: 'U0BOB', email: 'bob@example.com', via: 'slack' };
  const carol: Actor = { type: 'user', id: 'U0CAROL', email: 'carol@example.com', via: 'slack' };
  const click = (kind: ClickRecord['kind'], recordedAt = T0 + MINUTE): ClickRecord => ({
    ...clickRecord(body(), action, { kind, grantId: 'g_broad1' }, recordedAt),
  });

  it('sees a decision by the same person as this click, and one by anyone else as a lost race', () => {
    const approvedByBob = advance(pendingBroad(), 'approved', { by: bob, at: T0 + 2 * MINUTE });
    expect(appliedByThisClick(approvedByBob, click('approve'))).toBe(true);
    expect(appliedByThisClick(approvedByBob, click('deny'))).toBe(false);
    const approvedByCarol = advance(pendingBroad(), 'approved', { by: carol, at: T0 + 2 * MINUTE });
    expect(appliedByThisClick(approvedByCarol, click('approve'))).toBe(false);
    const deniedByBob = advance(pendingBroad(), 'denied', { by: bob, at: T0 + 2 * MINUTE });
    expect(appliedByThisClick(deniedByBob, click('deny'))).toBe(true);
    expect(appliedByThisClick(advance(approvedByBob, 'revoked', { by: bob }), click('revoke'))).toBe(true);
  });

  it('counts an extension only when made since the click was recorded, so an earlier one is not taken for it', () => {
    const approved = advance(pendingBroad(), 'approved', { by: bob, at: T0 });
    const extended = advance(approved, 'approved', {
      by: bob,
      at: T0 + 2 * MINUTE,
      note: 'extended to 45 min in all',
    });
    expect(appliedByThisClick(extended, click('extend', T0 + MINUTE))).toBe(true);
    expect(appliedByThisClick(extended, click('extend', T0 + 3 * MINUTE))).toBe(false);
    // Bob's own approval is not an extension.
    expect(appliedByThisClick(approved, click('extend', T0 - MINUTE))).toBe(false);
  });
});
