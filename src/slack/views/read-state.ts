// Reads the approver's inputs back from a block_actions `state.values`, the inverse of the request message.
import type { Grant, Level } from '../../grants/types.js';
import { ACTION } from '../ids.js';
import { providerFromOptionValue } from './request-inputs.js';

/** The subset of Bolt's `ViewStateValue` our inputs produce (checkboxes, radio, static select, text). */
export interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[];
}
export type StateValues = Record<string, Record<string, StateValue>>;

/** What the approver chose; undefined fields were not shown or not answered, so the domain's defaults apply. */
export interface DecisionInput {
  providers?: string[];
  level?: Level;
  durationMs?: number;
  /** Trimmed notes, or null when blank: instructions on Approve, the reason on Deny. */
  notes: string | null;
}

/**
 * Finds inputs by action id, never by block id (block ids change with every version). The provider ticks of
 * every checkbox group are merged; no group at all means the message did not offer them, so nothing narrows.
 * Values are passed on as chosen: the domain refuses anything that would widen the request.
 */
export function readDecision(grant: Grant, values: StateValues | undefined): DecisionInput {
  const entries = Object.values(values ?? {});
  const all = (actionId: string) => entries.flatMap((block) => (block[actionId] ? [block[actionId]] : []));
  const first = (actionId: string) => all(actionId)[0];

  const notesText = first(ACTION.notes)?.value?.trim();
  const decision: DecisionInput = { notes: notesText ? notesText : null };
  if (grant.kind !== 'broad') return decision;

  const groups = all(ACTION.providers);
  if (groups.length > 0) {
    const ticked = groups.flatMap((g) => (g.selected_options ?? []).map((o) => o.value ?? ''));
    // An unknown value passes through as is, so the domain names it in its refusal instead of it vanishing.
    decision.providers = [...new Set(ticked.map((v) => providerFromOptionValue(grant, v) ?? v))];
  }
  const level = first(ACTION.level)?.selected_option?.value;
  if (level === 'read' || level === 'write') decision.level = level;
  const duration = Number(first(ACTION.duration)?.selected_option?.value);
  if (Number.isInteger(duration) && duration > 0) decision.durationMs = duration;
  return decision;
}
