// Specification of readDecision: the approver's ticks, level, duration and notes, as a listener receives them.
import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { readDecision, type StateValues } from '../../../src/slack/views/read-state.js';
import { requestMessage } from '../../../src/slack/views/request-message.js';
import { MINUTE, pendingBroad, pendingRequest, viewContext } from './grant-factory.js';

/**
 * The `state.values` Slack sends for a message as posted, untouched by the approver: every input block with its
 * initial selection (the shape in wire-formats §S2.2). `change` edits it by action id, as a click would.
 */
function stateOf(blocks: KnownBlock[], change: Record<string, (v: any) => void> = {}): StateValues {
  const values: StateValues = {};
  for (const block of blocks as any[]) {
    if (block.type !== 'input') continue;
    const el = block.element;
    const value: any = { type: el.type };
    if (el.type === 'checkboxes') value.selected_options = el.initial_options ?? [];
    else if (el.type === 'plain_text_input') value.value = null;
    else value.selected_option = el.initial_option ?? null;
    change[el.action_id]?.(value);
    values[block.block_id] = { [el.action_id]: value };
  }
  return values;
}

const ctx = viewContext();
const read = (grant: Grant, change?: Record<string, (v: any) => void>) =>
  readDecision(grant, stateOf(requestMessage(grant, ctx).blocks, change));

describe('readDecision', () => {
  it('returns the request as asked when the approver changed nothing', () => {
    expect(read(pendingBroad())).toEqual({
      providers: ['linear', 'notion'],
      level: 'write',
      durationMs: 30 * MINUTE,
      notes: null,
    });
  });

  it('reads narrowing and trimmed notes', () => {
    const decision = read(pendingBroad(), {
      cs_providers: (v) => v.selected_options.splice(0, 1),
      cs_level: (v) => (v.selected_option = { value: 'read' }),
      cs_duration: (v) => (v.selected_option = { value: String(5 * MINUTE) }),
      cs_notes: (v) => (v.value = '  only ENG  '),
    });
    expect(decision).toEqual({
      providers: ['notion'],
      level: 'read',
      durationMs: 5 * MINUTE,
      notes: 'only ENG',
    });
  });

  it('merges the ticks of several checkbox groups; all unticked means no providers, which the domain refuses', () => {
    const providers = Array.from({ length: 25 }, (_, i) => `p${i}`);
    const grant = pendingBroad({ providers, requestedProviders: providers });
    expect(read(grant).providers).toEqual(providers);
    expect(read(grant, { cs_providers: (v) => (v.selected_options = []) }).providers).toEqual([]);
  });

  it('maps index values back for provider ids too long for an option value', () => {
    const long = 'x'.repeat(100);
    const grant = pendingBroad({ providers: ['linear', long], requestedProviders: ['linear', long] });
    expect(read(grant).providers).toEqual(['linear', long]);
  });

  it('leaves out what was not shown or not answered, so the domain applies its defaults', () => {
    expect(readDecision(pendingBroad(), {})).toEqual({ notes: null });
    expect(
      read(pendingBroad(), { cs_duration: (v) => (v.selected_option = null) }).durationMs,
    ).toBeUndefined();
  });

  it('reads only notes for a per-request grant', () => {
    expect(read(pendingRequest(), { cs_notes: (v) => (v.value = 'ok once') })).toEqual({ notes: 'ok once' });
  });
});
