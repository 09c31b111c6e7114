// state.values and actions[] as Slack computes them from a message's blocks and what the person changed.
import type { Block, StateOverrides } from './types.js';

export interface Located {
  blockId: string;
  element: Block;
}

export type StateValues = Record<string, Record<string, Block>>;

const MULTI_OPTION = new Set(['checkboxes', 'multi_static_select']);
const SINGLE_OPTION = new Set(['radio_buttons', 'static_select']);
const TEXT_INPUT = new Set(['plain_text_input', 'number_input', 'email_text_input', 'url_text_input']);
// Element type → [state field, initial field, empty value].
const SCALAR: Record<string, [string, string, null | []]> = {
  datepicker: ['selected_date', 'initial_date', null],
  timepicker: ['selected_time', 'initial_time', null],
  users_select: ['selected_user', 'initial_user', null],
  multi_users_select: ['selected_users', 'initial_users', []],
  conversations_select: ['selected_conversation', 'initial_conversation', null],
  channels_select: ['selected_channel', 'initial_channel', null],
};

const isStateful = (type: string) =>
  MULTI_OPTION.has(type) || SINGLE_OPTION.has(type) || TEXT_INPUT.has(type) || type in SCALAR;

/** Every interactive element with the block it sits in: input elements, actions elements, section accessories. */
export function elementsOf(blocks: readonly Block[]): Located[] {
  const out: Located[] = [];
  for (const block of blocks) {
    const blockId = String(block.block_id ?? '');
    if (block.type === 'input' && block.element) out.push({ blockId, element: block.element });
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      for (const element of block.elements) out.push({ blockId, element });
    }
    if (block.type === 'section' && block.accessory && block.accessory.type !== 'image') {
      out.push({ blockId, element: block.accessory });
    }
  }
  return out;
}

/** A text object as Slack echoes it: plain_text gains `emoji`, mrkdwn gains `verbatim`. */
export function normText(text: Block | undefined): Block | undefined {
  if (!text) return undefined;
  return text.type === 'mrkdwn'
    ? { type: 'mrkdwn', text: text.text, verbatim: text.verbatim ?? false }
    : { type: 'plain_text', text: text.text, emoji: text.emoji ?? true };
}

const normOption = (option: Block): Block => ({
  text: normText(option.text),
  value: option.value,
  ...(option.description ? { description: normText(option.description) } : {}),
});

export function optionsOf(element: Block): Block[] {
  if (Array.isArray(element.options)) return element.options;
  if (Array.isArray(element.option_groups))
    return element.option_groups.flatMap((g: Block) => g.options ?? []);
  return [];
}

function initialState(element: Block): Block {
  const type = element.type as string;
  if (MULTI_OPTION.has(type)) {
    return { type, selected_options: (element.initial_options ?? []).map(normOption) };
  }
  if (SINGLE_OPTION.has(type)) {
    return { type, selected_option: element.initial_option ? normOption(element.initial_option) : null };
  }
  if (TEXT_INPUT.has(type)) return { type, value: element.initial_value ?? null };
  const [field, initial, empty] = SCALAR[type]!;
  return { type, [field]: element[initial] ?? empty };
}

function applyOverride(
  targets: Located[],
  values: StateValues,
  actionId: string,
  wanted: StateOverrides[string],
) {
  const type = targets[0]!.element.type as string;
  const slot = (t: Located) => values[t.blockId]![actionId]!;
  if (MULTI_OPTION.has(type)) {
    const list = wanted === null ? [] : Array.isArray(wanted) ? wanted : [wanted];
    const offered = new Set(targets.flatMap((t) => optionsOf(t.element).map((o) => o.value)));
    const missing = list.filter((v) => !offered.has(v));
    if (missing.length) throw new Error(`${actionId} offers no option ${missing.join(', ')}`);
    // Each group gets the wanted values it offers, so one override can drive several checkbox groups.
    for (const t of targets) {
      slot(t).selected_options = optionsOf(t.element)
        .filter((o) => list.includes(o.value))
        .map(normOption);
    }
    return;
  }
  if (SINGLE_OPTION.has(type)) {
    const value = Array.isArray(wanted) ? wanted[0] : wanted;
    if (value === null || value === undefined) {
      for (const t of targets) slot(t).selected_option = null;
      return;
    }
    const offering = targets.filter((t) => optionsOf(t.element).some((o) => o.value === value));
    if (!offering.length) throw new Error(`${actionId} offers no option ${value}`);
    for (const t of offering) {
      slot(t).selected_option = normOption(optionsOf(t.element).find((o) => o.value === value)!);
    }
    return;
  }
  const [field, , empty] = TEXT_INPUT.has(type) ? ['value', '', null] : SCALAR[type]!;
  const list = wanted === null ? [] : [wanted].flat();
  const scalar = Array.isArray(empty) ? list : Array.isArray(wanted) ? wanted.join('\n') : wanted;
  for (const t of targets) slot(t)[field] = scalar;
}

/** `state.values` from the blocks' current initial values, then the overrides (keyed by action id) applied. */
export function stateValues(blocks: readonly Block[], overrides: StateOverrides = {}): StateValues {
  const located = elementsOf(blocks).filter((l) => isStateful(String(l.element.type)));
  const values: StateValues = {};
  for (const l of located) {
    values[l.blockId] ??= {};
    values[l.blockId]![String(l.element.action_id)] = initialState(l.element);
  }
  for (const [actionId, wanted] of Object.entries(overrides)) {
    const targets = located.filter((l) => l.element.action_id === actionId);
    if (!targets.length) throw new Error(`no input with action_id ${actionId} in these blocks`);
    applyOverride(targets, values, actionId, wanted);
  }
  return values;
}

/** The element a click lands on; the value picks among buttons sharing an action id. */
export function findElement(blocks: readonly Block[], actionId: string, blockId?: string, value?: string) {
  const candidates = elementsOf(blocks).filter(
    (l) => l.element.action_id === actionId && (blockId === undefined || l.blockId === blockId),
  );
  return candidates.find((l) => value !== undefined && l.element.value === value) ?? candidates[0];
}

/** One `actions[]` entry, shaped per element type (S2.2). */
export function actionEntry(target: Located, values: StateValues, value: string | undefined): Block {
  const { element, blockId } = target;
  const entry: Block = {
    type: element.type,
    action_id: element.action_id,
    block_id: blockId,
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
  if (element.type === 'button') {
    entry.text = normText(element.text);
    const sent = value ?? element.value;
    if (sent !== undefined) entry.value = sent;
    if (element.style) entry.style = element.style;
    return entry;
  }
  if (element.type === 'overflow') {
    const option = optionsOf(element).find((o) => o.value === value) ?? optionsOf(element)[0];
    return { ...entry, selected_option: option ? normOption(option) : null };
  }
  const { type: _type, ...state } = values[blockId]?.[String(element.action_id)] ?? {};
  if (element.placeholder) state.placeholder = normText(element.placeholder);
  return { ...entry, ...state };
}

/** Selects, radios and checkboxes: a click on one also picks its option in state. */
export const isOptionElement = (type: string) => MULTI_OPTION.has(type) || SINGLE_OPTION.has(type);
