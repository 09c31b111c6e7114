// What an approver chose in the message: read from state.values by action id, checked to only ever narrow.
import type { Grant, Level } from '../grants/types.js';
import { ACTION } from './ids.js';
import { providerFromOptionValue } from './views/request-inputs.js';

interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: Array<{ value?: string }>;
}
export type StateValues = Record<string, Record<string, StateValue>>;

export interface ClickChoice {
  providers?: string[];
  level?: Level;
  durationMs?: number;
  notes: string | null;
}

export type ChoiceResult = { ok: true; choice: ClickChoice } | { ok: false; reason: string };

/** Every input with this action id, whatever block it sits in (block ids change with each version). */
function inputs(values: StateValues | undefined, actionId: string): StateValue[] {
  return Object.values(values ?? {}).flatMap((block) => (block[actionId] ? [block[actionId]] : []));
}

export function readChoice(grant: Grant, values: StateValues | undefined): ChoiceResult {
  const notesInput = inputs(values, ACTION.notes)[0];
  const notes =
    typeof notesInput?.value === 'string' && notesInput.value.trim() ? notesInput.value.trim() : null;
  if (notes && notes.length > 2000) return { ok: false, reason: 'Notes may be at most 2,000 characters.' };
  if (grant.kind === 'request') return { ok: true, choice: { notes } };

  const choice: ClickChoice = { notes };
  const providerGroups = inputs(values, ACTION.providers);
  if (providerGroups.length > 0) {
    const ticked = providerGroups.flatMap((g) => (g.selected_options ?? []).map((o) => o.value ?? ''));
    const unknown = ticked.filter((v) => providerFromOptionValue(grant, v) === undefined);
    if (unknown.length > 0)
      return { ok: false, reason: `Not part of this request: ${unknown.join(', ').slice(0, 200)}.` };
    choice.providers = [...new Set(ticked.map((v) => providerFromOptionValue(grant, v)!))];
  }
  const level = inputs(values, ACTION.level)[0]?.selected_option?.value;
  if (level !== undefined) {
    if (level !== 'read' && level !== 'write') return { ok: false, reason: 'Unknown access level.' };
    if (level === 'write' && grant.requestedLevel === 'read') {
      return { ok: false, reason: 'Write access was not requested.' };
    }
    choice.level = level;
  }
  const duration = inputs(values, ACTION.duration)[0]?.selected_option?.value;
  if (duration !== undefined && duration !== null) {
    if (!/^\d{1,12}$/.test(duration)) return { ok: false, reason: 'Unknown duration.' };
    choice.durationMs = Number(duration);
  }
  return { ok: true, choice };
}
