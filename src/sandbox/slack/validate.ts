// Block Kit checks Slack applies before it accepts blocks, so an app that passes here will not hit invalid_blocks.
import { randomBytes } from 'node:crypto';
import type { Block } from './types.js';

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
  'file',
  'video',
]);

type Problems = string[];

const isObject = (v: unknown): v is Block => typeof v === 'object' && v !== null && !Array.isArray(v);

function problem(out: Problems, message: string, pointer: string): undefined {
  out.push(`${message} [json-pointer:${pointer}]`);
}

function checkText(
  out: Problems,
  value: unknown,
  pointer: string,
  max: number,
  plainOnly = false,
  required = true,
): undefined {
  if (value === undefined && !required) return;
  if (!isObject(value) || typeof value.text !== 'string')
    return problem(out, 'must be a text object', pointer);
  if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn')) {
    return problem(out, `must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`, `${pointer}/type`);
  }
  if (value.text.length === 0 && required) problem(out, 'must be more than 0 characters', `${pointer}/text`);
  if (value.text.length > max) problem(out, `must be less than ${max + 1} characters`, `${pointer}/text`);
}

function checkString(out: Problems, value: unknown, pointer: string, max: number): undefined {
  if (value === undefined) return;
  if (typeof value !== 'string') return problem(out, 'must be a string', pointer);
  if (value.length > max) problem(out, `must be less than ${max + 1} characters`, pointer);
}

function checkOptions(
  out: Problems,
  options: unknown,
  pointer: string,
  min: number,
  max: number,
  plainOnly: boolean,
): string[] {
  if (!Array.isArray(options)) {
    problem(out, 'must provide an array', pointer);
    return [];
  }
  if (options.length < min) problem(out, `must provide an array with at least ${min} items`, pointer);
  if (options.length > max) problem(out, `must provide an array with no more than ${max} items`, pointer);
  const values: string[] = [];
  for (const [i, option] of options.entries()) {
    const at = `${pointer}/${i}`;
    if (!isObject(option)) {
      problem(out, 'must be an option object', at);
      continue;
    }
    checkText(out, option.text, `${at}/text`, 75, plainOnly);
    checkString(out, option.value, `${at}/value`, 150);
    checkText(out, option.description, `${at}/description`, 75, plainOnly, false);
    if (typeof option.value === 'string') values.push(option.value);
  }
  return values;
}

function checkInitial(out: Problems, initial: unknown, offered: string[], pointer: string): undefined {
  const list = Array.isArray(initial) ? initial : initial === undefined ? [] : [initial];
  list.forEach((option, i) => {
    if (!isObject(option) || !offered.includes(option.value)) {
      problem(
        out,
        'must match one of the provided options',
        Array.isArray(initial) ? `${pointer}/${i}` : pointer,
      );
    }
  });
}

function checkElement(out: Problems, element: unknown, pointer: string): undefined {
  if (!isObject(element) || typeof element.type !== 'string')
    return problem(out, 'must be an element', pointer);
  checkString(out, element.action_id, `${pointer}/action_id`, 255);
  checkText(out, element.placeholder, `${pointer}/placeholder`, 150, true, false);
  switch (element.type) {
    case 'button':
      checkText(out, element.text, `${pointer}/text`, 75, true);
      checkString(out, element.value, `${pointer}/value`, 2000);
      checkString(out, element.url, `${pointer}/url`, 3000);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        problem(out, 'must be one of primary, danger', `${pointer}/style`);
      }
      if (element.confirm !== undefined) {
        const c = element.confirm;
        checkText(out, c?.title, `${pointer}/confirm/title`, 100, true);
        checkText(out, c?.text, `${pointer}/confirm/text`, 300);
        checkText(out, c?.confirm, `${pointer}/confirm/confirm`, 30, true);
        checkText(out, c?.deny, `${pointer}/confirm/deny`, 30, true);
      }
      return;
    case 'checkboxes':
    case 'radio_buttons': {
      const offered = checkOptions(out, element.options, `${pointer}/options`, 1, 10, false);
      const initialKey = element.type === 'checkboxes' ? 'initial_options' : 'initial_option';
      checkInitial(out, element[initialKey], offered, `${pointer}/${initialKey}`);
      return;
    }
    case 'static_select':
    case 'multi_static_select': {
      const groups: unknown[] = Array.isArray(element.option_groups) ? element.option_groups : [];
      const offered = element.option_groups
        ? groups.flatMap((g, i) =>
            checkOptions(out, (g as Block)?.options, `${pointer}/option_groups/${i}/options`, 1, 100, true),
          )
        : checkOptions(out, element.options, `${pointer}/options`, 1, 100, true);
      const initialKey = element.type === 'static_select' ? 'initial_option' : 'initial_options';
      checkInitial(out, element[initialKey], offered, `${pointer}/${initialKey}`);
      return;
    }
    case 'overflow':
      checkOptions(out, element.options, `${pointer}/options`, 1, 5, true);
      return;
    case 'plain_text_input':
      checkString(out, element.initial_value, `${pointer}/initial_value`, 3000);
      for (const key of ['min_length', 'max_length']) {
        const n = element[key];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000)) {
          problem(out, 'must be a number between 0 and 3000', `${pointer}/${key}`);
        }
      }
      return;
  }
}

function checkBlock(out: Problems, block: unknown, pointer: string): undefined {
  if (!isObject(block) || typeof block.type !== 'string')
    return problem(out, 'must be a block object', pointer);
  if (!BLOCK_TYPES.has(block.type)) return problem(out, `unsupported type: ${block.type}`, `${pointer}/type`);
  checkString(out, block.block_id, `${pointer}/block_id`, 255);
  switch (block.type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) {
        problem(out, 'must provide either text or fields', pointer);
      }
      checkText(out, block.text, `${pointer}/text`, 3000, false, false);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length > 10) {
          problem(out, 'must provide an array with no more than 10 items', `${pointer}/fields`);
        } else {
          for (const [i, f] of block.fields.entries()) checkText(out, f, `${pointer}/fields/${i}`, 2000);
        }
      }
      if (block.accessory !== undefined && block.accessory?.type !== 'image') {
        checkElement(out, block.accessory, `${pointer}/accessory`);
      }
      return;
    case 'header':
      return checkText(out, block.text, `${pointer}/text`, 150, true);
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10) {
        problem(out, 'must provide an array with 1 to 10 items', `${pointer}/elements`);
      }
      return;
    case 'actions': {
      const elements: unknown[] = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length < 1 || elements.length > 25) {
        problem(out, 'must provide an array with 1 to 25 items', `${pointer}/elements`);
      }
      const seen = new Set<string>();
      elements.forEach((el, i) => {
        checkElement(out, el, `${pointer}/elements/${i}`);
        const id = (el as Block)?.action_id;
        if (typeof id === 'string' && seen.has(id)) {
          problem(out, 'duplicate action_id', `${pointer}/elements/${i}/action_id`);
        }
        if (typeof id === 'string') seen.add(id);
      });
      return;
    }
    case 'input':
      checkText(out, block.label, `${pointer}/label`, 2000, true);
      checkText(out, block.hint, `${pointer}/hint`, 2000, true, false);
      return checkElement(out, block.element, `${pointer}/element`);
    case 'image':
      checkString(out, block.alt_text, `${pointer}/alt_text`, 2000);
      return;
  }
}

/**
 * Slack's error strings for the blocks, empty when they pass. Only the limits Countersign's messages can
 * reach are checked; anything unchecked is accepted, as the real service might do.
 */
export function validateBlocks(blocks: unknown, surface: 'message' | 'home'): string[] {
  const out: Problems = [];
  if (!Array.isArray(blocks)) {
    problem(out, 'must provide an array', '/blocks');
    return out;
  }
  const max = surface === 'message' ? 50 : 100;
  if (blocks.length > max) problem(out, `no more than ${max} items allowed`, '/blocks');
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(out, block, `/blocks/${i}`);
    const id = (block as Block)?.block_id;
    if (typeof id === 'string') {
      if (ids.has(id)) problem(out, `duplicate block_id: ${id}`, `/blocks/${i}/block_id`);
      ids.add(id);
    }
  });
  return out;
}

/** Copies the blocks, giving a random block_id to each block without one (as Slack does). */
export function withBlockIds(blocks: Block[]): Block[] {
  return structuredClone(blocks).map((block) =>
    typeof block.block_id === 'string'
      ? block
      : { ...block, block_id: randomBytes(4).toString('base64url').slice(0, 5) },
  );
}
