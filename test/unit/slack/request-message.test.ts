// Specification of the grant's Slack message: inputs while pending, a settled record afterwards, fresh ids.
import { describe, expect, it } from 'vitest';
import type { ViewContext } from '../../../src/slack/ids.js';
import { ACTION } from '../../../src/slack/ids.js';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { requestMessage } from '../../../src/slack/views/request-message.js';
import { allText, blocksOfType, elementsWith } from './block-walk.js';
import {
  advance,
  DECIDED,
  HOUR,
  inState,
  MINUTE,
  pendingBroad,
  pendingRequest,
  people,
  reachable,
  viewContext,
} from './grant-factory.js';

const ctx = viewContext();

describe('a pending broad request', () => {
  const { text, blocks } = requestMessage(pendingBroad(), ctx);

  it('says who asks, through which assistant, why, for what, and until when to decide', () => {
    const shown = allText(blocks);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: '🔐 Access request: write access' } });
    expect(shown).toContain('<@UREQ> (req@example.com)');
    expect(shown).toContain('Claude Code');
    expect(shown).toContain('> Triage the ENG backlog and label duplicates');
    expect(shown).toContain('Linear, Notion');
    expect(shown).toContain('*write* (can change data)');
    expect(shown).toContain('30 minutes');
    expect(shown).toContain('<!date^1768467900^{date_short_pretty} at {time}|2026-01-15 09:05 UTC>');
    expect(text).toBe(
      'Access request from req@example.com: Claude Code asks for write access to Linear, Notion — “Triage the ENG backlog and label duplicates”',
    );
  });

  it('offers every provider ticked, the level with write chosen, the asked duration, and optional notes', () => {
    const [providers] = elementsWith(blocks, ACTION.providers);
    expect(providers).toMatchObject({ type: 'checkboxes' });
    expect(providers!.options.map((o: any) => o.value)).toEqual(['linear', 'notion']);
    expect(providers!.initial_options).toEqual(providers!.options);

    const [level] = elementsWith(blocks, ACTION.level);
    expect(level!.options.map((o: any) => o.value)).toEqual(['write', 'read']);
    expect(level!.options[1].text.text).toBe('Read only (downgrade)');
    expect(level!.initial_option).toEqual(level!.options[0]);

    const [duration] = elementsWith(blocks, ACTION.duration);
    expect(duration).toMatchObject({ type: 'static_select', initial_option: { value: String(30 * MINUTE) } });
    const values = duration!.options.map((o: any) => Number(o.value));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(Math.max(...values)).toBe(HOUR);
    expect(duration!.options).toContainEqual(duration!.initial_option);
    expect(duration!.initial_option.text.text).toBe('30 minutes (asked)');

    const [notes] = elementsWith(blocks, ACTION.notes);
    expect(notes).toMatchObject({ type: 'plain_text_input', multiline: true, max_length: 2000 });
    const notesBlock = blocks.find((b: any) => b.element?.action_id === ACTION.notes) as any;
    expect(notesBlock.optional).toBe(true);
    expect(notesBlock.hint.text).toMatch(/Approve: .*instructions.*Deny: .*reason/);
  });

  it('ends with Approve, Deny (confirmed) and an Open in browser link, all carrying the grant id', () => {
    const actions = blocksOfType(blocks, 'actions');
    expect(actions).toHaveLength(1);
    const [approve, deny, open] = (actions[0] as any).elements;
    expect(approve).toMatchObject({ action_id: ACTION.approve, style: 'primary', value: 'g_broad1' });
    expect(deny).toMatchObject({ action_id: ACTION.deny, style: 'danger', value: 'g_broad1' });
    expect(deny.confirm.title.text).toBe('Deny this request?');
    expect(open).toMatchObject({ action_id: ACTION.openInBrowser, url: ctx.approvalUrl });
  });

  it('has no browser link without a consent URL', () => {
    const message = requestMessage(pendingBroad(), viewContext({ approvalUrl: null }));
    expect(elementsWith(message.blocks, ACTION.openInBrowser)).toEqual([]);
    expect(elementsWith(message.blocks, ACTION.approve)).toHaveLength(1);
  });

  it('offers no level choice for a read request (an approval only narrows)', () => {
    const read = requestMessage(pendingBroad({ level: 'read', requestedLevel: 'read' }), ctx);
    expect(elementsWith(read.blocks, ACTION.level)).toEqual([]);
  });

  it('caps the duration at the maximum and says what was asked', () => {
    const long = requestMessage(pendingBroad({ requestedDurationMs: 8 * HOUR }), ctx);
    const [duration] = elementsWith(long.blocks, ACTION.duration);
    expect(duration!.initial_option.value).toBe(String(HOUR));
    expect(duration!.options.every((o: any) => Number(o.value) <= HOUR)).toBe(true);
    const block = long.blocks.find((b: any) => b.element?.action_id === ACTION.duration) as any;
    expect(block.hint.text).toBe(
      'Asked for 8 hours; the longest allowed is 1 hour. The clock starts at approval.',
    );
  });

  it('splits more than 10 providers into checkbox groups with the same action id', () => {
    const providers = Array.from({ length: 25 }, (_, i) => `p${i}`);
    const many = requestMessage(pendingBroad({ providers, requestedProviders: providers }), ctx);
    const groups = elementsWith(many.blocks, ACTION.providers);
    expect(groups.map((g) => g.options.length)).toEqual([10, 10, 5]);
    expect(groups.flatMap((g) => g.initial_options.map((o: any) => o.value))).toEqual(providers);
    const ids = many.blocks
      .filter((b: any) => b.element?.action_id === ACTION.providers)
      .map((b) => b.block_id);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('a pending per-request grant', () => {
  const grant = pendingRequest();
  const { blocks } = requestMessage(grant, ctx);

  it('shows the method, URL and the pretty-printed body', () => {
    const shown = allText(blocks);
    expect(blocks[0]).toMatchObject({ text: { text: '🔐 Access request: one POST call (write)' } });
    expect(shown).toContain('*Call* `POST`\n```\nhttps://api.linear.app/graphql\n```');
    expect(shown).toContain('```\n{\n  "query": "mutation { issueUpdate(id: \\"ENG-1\\"');
  });

  it('asks only for notes and a decision: no providers, level or duration', () => {
    for (const id of [ACTION.providers, ACTION.level, ACTION.duration])
      expect(elementsWith(blocks, id)).toEqual([]);
    expect(elementsWith(blocks, ACTION.notes)).toHaveLength(1);
    expect(elementsWith(blocks, ACTION.approve)[0]!.value).toBe('g_call1');
    expect(elementsWith(blocks, ACTION.deny)[0]!.value).toBe('g_call1');
  });

  it('says when no body is allowed', () => {
    const bodiless = requestMessage(
      pendingRequest({ request: { method: 'DELETE', url: 'https://x/y', body: null } }),
      ctx,
    );
    expect(allText(bodiless.blocks)).toContain('None: the call must be sent without a body.');
  });
});

describe('every decided state', () => {
  for (const kind of ['broad', 'request'] as const) {
    for (const status of reachable(kind).filter((s) => s !== 'pending')) {
      it(`${kind} ${status}: re-renders with no decision inputs, within Slack's limits`, () => {
        const grant = inState(status, kind === 'broad' ? pendingBroad() : pendingRequest());
        const message = requestMessage(grant, viewContext({ approvalUrl: null, now: grant.createdAt }));
        // Only access still running keeps controls: Extend (broad) and Revoke, never Approve or Deny.
        const controls = Object.values(ACTION).filter((id) => elementsWith(message.blocks, id).length > 0);
        expect(controls).toEqual(
          status === 'approved' ? [ACTION.revoke, ...(kind === 'broad' ? [ACTION.extend] : [])] : [],
        );
        expect(blocksOfType(message.blocks, 'input')).toEqual([]);
        expect(validateBlocks(message)).toEqual([]);
        expect(message.text.length).toBeLessThan(300);
      });
    }
  }
});

describe('what each decided state says', () => {
  const say = (grant = pendingBroad(), c = ctx) => allText(requestMessage(grant, c).blocks);

  it('approved: who, the scope granted (and what was asked when narrowed), when it expires, the instructions', () => {
    const narrowed = advance(
      pendingBroad(),
      'approved',
      { at: pendingBroad().createdAt + MINUTE },
      { level: 'read', providers: ['linear'], durationMs: 15 * MINUTE, instructions: 'Only ENG issues' },
    );
    const shown = say(narrowed);
    expect(shown).toContain('*Approved by* <@UALICE>');
    expect(shown).toContain(
      '*Granted* *read* on Linear for 15 minutes _(asked: write on Linear, Notion for 30 minutes)_',
    );
    expect(shown).toMatch(/\*Expires\* <!date\^\d+\^/);
    expect(shown).toContain('*Instructions to the assistant*\n> Only ENG issues');
    expect(requestMessage(narrowed, ctx).blocks[0]).toMatchObject({
      text: { text: '✅ Approved: read access for 15 minutes' },
    });
  });

  it('approved on the web: the decider is mentioned when the caller resolved their Slack id, else shown by email', () => {
    const grant = advance(pendingBroad(), 'approved', { by: people.bob });
    expect(say(grant, viewContext({ deciderSlackUserId: 'UBOB' }))).toContain('*Approved by* <@UBOB>');
    expect(say(grant)).toContain('*Approved by* bob@example.com');
  });

  it('marks a self-approval', () => {
    expect(say(advance(pendingBroad(), 'approved', { by: people.self }))).toContain(
      'req@example.com (self-approval)',
    );
  });

  it('denied: who and why', () => {
    const shown = say(inState('denied'));
    expect(shown).toContain('*Denied by* <@UALICE>');
    expect(shown).toContain('*Reason*\n> Not during the freeze');
  });

  it('expired, superseded, cancelled: what happened instead of a decision', () => {
    expect(say(inState('expired'))).toContain('*No decision* by <!date^');
    expect(say(inState('superseded'))).toContain('the assistant sent a newer request (`g_newer`)');
    expect(say(inState('cancelled'))).toContain('*Withdrawn* by the assistant');
  });

  it('ended, revoked, released, consumed: the approval, then how it finished and how often it was used', () => {
    expect(say(inState('ended'))).toContain('the access time ran out; used 7 times');
    const replaced = say({ ...inState('ended'), supersededBy: 'g_newer_approved', statusReason: 'replaced' });
    expect(replaced).toContain('*Replaced*');
    expect(replaced).toContain('a newer approved request (`g_newer_approved`) took over; used 7 times');
    expect(replaced).not.toContain('ran out');
    const revoked = say(inState('revoked'));
    expect(revoked).toContain('*Approved by* <@UALICE>');
    expect(revoked).toContain('*Revoked by* bob@example.com');
    expect(revoked).toContain('*Reason*\n> Enough for today');
    expect(say(inState('released'))).toContain('*Released early* by the assistant');
    expect(say(inState('consumed', pendingRequest()))).toContain('the single approved call was used');
  });

  it('summarises the outcome in the notification text', () => {
    expect(requestMessage(inState('denied'), ctx).text).toBe(
      '❌ Denied by alice@example.com: write access to Linear, Notion for Claude Code (req@example.com)',
    );
    expect(requestMessage(inState('expired'), ctx).text).toMatch(/^⌛ Expired without a decision: /);
  });
});

describe('usage on an approved message', () => {
  const approved = (uses: number) =>
    advance(pendingBroad(), 'approved', { at: pendingBroad().createdAt + MINUTE }, { uses });
  const say = (grant: ReturnType<typeof approved>, usage: ViewContext['usage']) =>
    allText(requestMessage(grant, viewContext({ usage })).blocks);

  it('counts calls by status class, with the last call’s time', () => {
    const shown = say(approved(14), { calls: 14, byClass: { '4xx': 1, '2xx': 13 }, lastAt: HOUR });
    expect(shown).toMatch(/14 calls: 13 × 2xx, 1 × 4xx; last <!date\^3600\^\{time\}\|/);
  });

  it('says it was not used when nothing was called, and falls back to the count without outcomes', () => {
    expect(say(approved(0), null)).toContain('not used');
    expect(say(approved(2), { calls: 2, byClass: {}, lastAt: null })).toContain('used 2 times');
  });
});

describe('block ids', () => {
  it('change with every version, so Slack drops old input state', () => {
    const ids = (grant = pendingBroad()) => requestMessage(grant, ctx).blocks.map((b) => b.block_id);
    const v1 = ids();
    const v2 = ids(inState('approved'));
    const v3 = ids(inState('revoked'));
    expect(v1.every((id) => id?.endsWith('_v1'))).toBe(true);
    expect(v2.every((id) => id?.endsWith('_v2'))).toBe(true);
    expect(v3.every((id) => id?.endsWith('_v3'))).toBe(true);
    for (const status of reachable('request')) {
      const all = ids(inState(status, pendingRequest()));
      expect(new Set(all).size).toBe(all.length);
    }
  });

  it('every pending and decided message is valid Block Kit', () => {
    for (const status of ['pending' as const, ...DECIDED]) {
      expect(validateBlocks(requestMessage(inState(status), ctx))).toEqual([]);
    }
  });
});

describe('controls on approved access', () => {
  const approvedAt = pendingBroad().createdAt + MINUTE;
  const approved = (durationMs: number) =>
    advance(
      pendingBroad(),
      'approved',
      { at: approvedAt },
      { expiresAt: approvedAt + durationMs, durationMs },
    );

  it('offers extension steps up to the maximum, each naming the grant and its new end, and Revoke with a confirm', () => {
    const message = requestMessage(
      approved(30 * MINUTE),
      viewContext({ maxAccessMs: HOUR, now: approvedAt }),
    );
    const [extend] = elementsWith(message.blocks, ACTION.extend);
    expect(extend!.options.map((o: { value: string }) => o.value)).toEqual(
      [5, 15, 30].map((m) => `${approvedAt + 30 * MINUTE + m * MINUTE} ${pendingBroad().id}`),
    );
    expect(extend!.options.at(-1).text.text).toBe('+30 minutes (to the maximum)');
    const [revoke] = elementsWith(message.blocks, ACTION.revoke);
    expect(revoke).toMatchObject({ value: pendingBroad().id, style: 'danger', confirm: expect.any(Object) });
  });

  it('offers no extension at the maximum, and no controls once the time is up', () => {
    const atMax = approved(HOUR);
    expect(
      elementsWith(
        requestMessage(atMax, viewContext({ maxAccessMs: HOUR, now: approvedAt })).blocks,
        ACTION.extend,
      ),
    ).toEqual([]);
    const late = requestMessage(atMax, viewContext({ maxAccessMs: HOUR, now: approvedAt + HOUR }));
    expect(elementsWith(late.blocks, ACTION.revoke)).toEqual([]);
  });
});
