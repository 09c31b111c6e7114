// Block Kit limits as constants, and a validator that lists every way a message or view breaks them.

/** From @slack/types 3.2.0 and Slack's docs (stack-notes §A5). Slack rejects the whole message on any breach. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** Slack truncates the top-level fallback at 40,000; notifications show far less, so we stay well under. */
  topLevelText: 4000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  optionText: 75,
  /** @slack/types says 75; newer docs may say 150; 75 works everywhere. */
  optionValue: 75,
  optionDescription: 75,
  checkboxOptions: 10,
  radioOptions: 10,
  selectOptions: 100,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  inputMaxLength: 3000,
  label: 2000,
  hint: 2000,
  placeholder: 150,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

type Json = Record<string, unknown>;

/**
 * Every limit the message (`{ blocks }`, a Home/modal view, or a bare block array) breaks, as readable
 * "path: problem" lines; [] when Slack should accept it. General on purpose: it walks any block it knows.
 */
export function validateBlocks(message: unknown): string[] {
  const problems: string[] = [];
  const report: Report = (path, problem) => {
    problems.push(`${path}: ${problem}`);
  };
  const root = Array.isArray(message) ? { blocks: message } : (message as Json);
  if (!isObject(root) || !Array.isArray(root.blocks)) return ['message: no blocks array'];

  const isView = root.type === 'home' || root.type === 'modal';
  const maxBlocks = isView ? LIMITS.viewBlocks : LIMITS.messageBlocks;
  if (root.blocks.length > maxBlocks) report('blocks', `${root.blocks.length} blocks > ${maxBlocks}`);
  if (typeof root.text === 'string' && root.text.length >= LIMITS.topLevelText) {
    report('text', `${root.text.length} chars ≥ ${LIMITS.topLevelText}`);
  }

  const blockIds = new Set<string>();
  root.blocks.forEach((block: unknown, i: number) => {
    const path = `blocks[${i}]`;
    if (!isObject(block) || typeof block.type !== 'string') {
      report(path, 'not a block');
      return;
    }
    if (block.block_id !== undefined) {
      const id = String(block.block_id);
      maxLen(report, `${path}.block_id`, id, LIMITS.blockId);
      if (blockIds.has(id)) report(`${path}.block_id`, `duplicate "${id}"`);
      blockIds.add(id);
    }
    checkBlock(report, path, block);
  });
  return problems;
}

type Report = (path: string, problem: string) => void;

function checkBlock(report: Report, path: string, block: Json): void {
  switch (block.type) {
    case 'header':
      text(report, `${path}.text`, block.text, LIMITS.headerText, 'plain_text');
      return;
    case 'section': {
      if (block.text === undefined && !Array.isArray(block.fields)) report(path, 'needs text or fields');
      if (block.text !== undefined) text(report, `${path}.text`, block.text, LIMITS.sectionText);
      if (Array.isArray(block.fields)) {
        if (block.fields.length > LIMITS.sectionFields) {
          report(`${path}.fields`, `${block.fields.length} fields > ${LIMITS.sectionFields}`);
        }
        block.fields.forEach((f, j) => {
          text(report, `${path}.fields[${j}]`, f, LIMITS.sectionFieldText);
        });
      }
      if (block.accessory !== undefined) element(report, `${path}.accessory`, block.accessory);
      return;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0) report(`${path}.elements`, 'empty');
      if (elements.length > LIMITS.contextElements) {
        report(`${path}.elements`, `${elements.length} elements > ${LIMITS.contextElements}`);
      }
      elements.forEach((e: unknown, j: number) => {
        if (isObject(e) && e.type !== 'image') text(report, `${path}.elements[${j}]`, e, LIMITS.contextText);
      });
      return;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0) report(`${path}.elements`, 'empty');
      if (elements.length > LIMITS.actionsElements) {
        report(`${path}.elements`, `${elements.length} elements > ${LIMITS.actionsElements}`);
      }
      const actionIds = new Set<string>();
      elements.forEach((e: unknown, j: number) => {
        element(report, `${path}.elements[${j}]`, e);
        const id = isObject(e) ? e.action_id : undefined;
        if (typeof id === 'string') {
          // Slack wants action ids unique within a block.
          if (actionIds.has(id)) report(`${path}.elements[${j}].action_id`, `duplicate "${id}"`);
          actionIds.add(id);
        }
      });
      return;
    }
    case 'input':
      text(report, `${path}.label`, block.label, LIMITS.label, 'plain_text');
      if (block.hint !== undefined) text(report, `${path}.hint`, block.hint, LIMITS.hint, 'plain_text');
      if (block.element === undefined) {
        report(`${path}.element`, 'missing');
        return;
      }
      element(report, `${path}.element`, block.element);
      return;
    default:
      // divider, image, rich_text…: nothing we emit needs checking beyond block_id.
      return;
  }
}

function element(report: Report, path: string, value: unknown): void {
  if (!isObject(value)) {
    report(path, 'not an element');
    return;
  }
  if (value.action_id !== undefined)
    maxLen(report, `${path}.action_id`, String(value.action_id), LIMITS.actionId);
  if (value.placeholder !== undefined) {
    text(report, `${path}.placeholder`, value.placeholder, LIMITS.placeholder, 'plain_text');
  }
  if (value.confirm !== undefined) confirm(report, `${path}.confirm`, value.confirm);
  switch (value.type) {
    case 'button':
      text(report, `${path}.text`, value.text, LIMITS.buttonText, 'plain_text');
      if (value.value !== undefined) maxLen(report, `${path}.value`, String(value.value), LIMITS.buttonValue);
      if (value.url !== undefined) maxLen(report, `${path}.url`, String(value.url), LIMITS.url);
      return;
    case 'checkboxes':
      options(report, path, value, LIMITS.checkboxOptions, true);
      return;
    case 'radio_buttons':
      options(report, path, value, LIMITS.radioOptions, false);
      return;
    case 'static_select':
      options(report, path, value, LIMITS.selectOptions, false);
      return;
    case 'plain_text_input': {
      const max = typeof value.max_length === 'number' ? value.max_length : LIMITS.inputMaxLength;
      if (max > LIMITS.inputMaxLength) report(`${path}.max_length`, `${max} > ${LIMITS.inputMaxLength}`);
      if (typeof value.min_length === 'number' && value.min_length > LIMITS.inputMaxLength) {
        report(`${path}.min_length`, `${value.min_length} > ${LIMITS.inputMaxLength}`);
      }
      if (typeof value.initial_value === 'string')
        maxLen(report, `${path}.initial_value`, value.initial_value, max);
      return;
    }
    default:
      return;
  }
}

/** Options, and initial selections that must equal one of them exactly (Slack rejects the message otherwise). */
function options(report: Report, path: string, value: Json, max: number, multiple: boolean): void {
  const list = Array.isArray(value.options) ? value.options : [];
  if (list.length === 0) report(`${path}.options`, 'empty');
  if (list.length > max) report(`${path}.options`, `${list.length} options > ${max}`);
  const values = new Set<string>();
  list.forEach((o: unknown, j: number) => {
    const p = `${path}.options[${j}]`;
    if (!isObject(o)) {
      report(p, 'not an option');
      return;
    }
    // Select menus only take plain_text options; checkboxes and radios also take mrkdwn.
    text(
      report,
      `${p}.text`,
      o.text,
      LIMITS.optionText,
      value.type === 'static_select' ? 'plain_text' : undefined,
    );
    const v = String(o.value ?? '');
    maxLen(report, `${p}.value`, v, LIMITS.optionValue);
    if (values.has(v)) report(`${p}.value`, `duplicate "${v}"`);
    values.add(v);
    if (o.description !== undefined)
      text(report, `${p}.description`, o.description, LIMITS.optionDescription);
  });
  const known = new Set(list.map((o: unknown) => JSON.stringify(o)));
  const initial = multiple
    ? value.initial_options
    : value.initial_option === undefined
      ? []
      : [value.initial_option];
  if (initial === undefined) return;
  if (!Array.isArray(initial)) {
    report(`${path}.initial_options`, 'not an array');
    return;
  }
  initial.forEach((o: unknown, j: number) => {
    if (!known.has(JSON.stringify(o)))
      report(`${path}.initial_option${multiple ? `s[${j}]` : ''}`, 'not one of the options');
  });
}

function confirm(report: Report, path: string, value: unknown): void {
  if (!isObject(value)) {
    report(path, 'not a confirm object');
    return;
  }
  if (value.title !== undefined)
    text(report, `${path}.title`, value.title, LIMITS.confirmTitle, 'plain_text');
  text(report, `${path}.text`, value.text, LIMITS.confirmText);
  if (value.confirm !== undefined)
    text(report, `${path}.confirm`, value.confirm, LIMITS.confirmButton, 'plain_text');
  if (value.deny !== undefined) text(report, `${path}.deny`, value.deny, LIMITS.confirmButton, 'plain_text');
}

/** A text object: right type, not empty (Slack rejects empty text), within its limit. */
function text(report: Report, path: string, value: unknown, max: number, only?: 'plain_text'): void {
  if (!isObject(value) || typeof value.text !== 'string') {
    report(path, 'not a text object');
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    report(path, `unknown text type "${value.type}"`);
    return;
  }
  if (only && value.type !== only) report(path, `must be ${only}`);
  if (value.text.length === 0) report(path, 'empty text');
  maxLen(report, path, value.text, max);
}

function maxLen(report: Report, path: string, value: string, max: number): void {
  if (value.length > max) report(path, `${value.length} chars > ${max}`);
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
