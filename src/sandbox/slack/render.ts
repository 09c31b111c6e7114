// Block Kit to HTML for the inbox, with real form controls that carry block and action ids for the page script.

import { optionsOf } from './block-state.js';
import { escapeHtml, type NameLookup, plainText, renderMrkdwn, renderText } from './mrkdwn.js';
import type { Block, HomeView, SlackEphemeral, SlackMessage } from './types.js';

export interface RenderContext extends NameLookup {
  /** Unique per rendered message, so radio groups of different messages never share a name. */
  scope: string;
}

const attr = (value: unknown) => escapeHtml(String(value ?? ''));

function dataAttrs(element: Block, blockId: string, dispatch: boolean): string {
  return [
    `data-action-id="${attr(element.action_id)}"`,
    `data-block-id="${attr(blockId)}"`,
    `data-kind="${attr(element.type)}"`,
    dispatch ? 'data-dispatch="1"' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

const hasValue = (list: Block[] | undefined, value: unknown) => (list ?? []).some((o) => o?.value === value);

function selectOptions(element: Block): string {
  const option = (o: Block) => {
    const selected =
      element.initial_option?.value === o.value || hasValue(element.initial_options, o.value)
        ? ' selected'
        : '';
    return `<option value="${attr(o.value)}"${selected}>${escapeHtml(plainText(o.text))}</option>`;
  };
  if (Array.isArray(element.option_groups)) {
    return element.option_groups
      .map(
        (g: Block) =>
          `<optgroup label="${attr(plainText(g.label))}">${(g.options ?? []).map(option).join('')}</optgroup>`,
      )
      .join('');
  }
  return optionsOf(element).map(option).join('');
}

function renderElement(
  element: Block,
  blockId: string,
  label: string,
  dispatch: boolean,
  ctx: RenderContext,
) {
  const data = dataAttrs(element, blockId, dispatch);
  const id = attr(element.action_id);
  const aria = `aria-label="${attr(label || plainText(element.placeholder) || element.action_id)}"`;
  switch (element.type) {
    case 'button': {
      const style = element.style === 'primary' || element.style === 'danger' ? ` ${element.style}` : '';
      const text = escapeHtml(plainText(element.text));
      const value = element.value === undefined ? '' : ` data-value="${attr(element.value)}"`;
      const confirm = element.confirm ? ` data-confirm="${attr(JSON.stringify(element.confirm))}"` : '';
      const common = `class="btn${style}" ${data}${value}${confirm} data-testid="button-${id}"`;
      if (typeof element.url === 'string' && /^https?:\/\//i.test(element.url)) {
        return `<a ${common} href="${attr(element.url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
      }
      return `<button type="button" ${common}>${text}</button>`;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const multi = element.type === 'checkboxes';
      const name = `${ctx.scope}:${blockId}:${element.action_id}`;
      const options = optionsOf(element)
        .map((o) => {
          const checked = multi
            ? hasValue(element.initial_options, o.value)
            : element.initial_option?.value === o.value;
          const description = o.description ? `<small>${renderText(o.description, ctx)}</small>` : '';
          return `<label class="opt"><input type="${multi ? 'checkbox' : 'radio'}" name="${attr(name)}" value="${attr(o.value)}" ${data}${checked ? ' checked' : ''} data-testid="${multi ? 'checkbox' : 'radio'}-${id}-${attr(o.value)}" aria-label="${attr(plainText(o.text))}"><span>${renderText(o.text, ctx)}${description}</span></label>`;
        })
        .join('');
      return `<div class="choices" role="group" ${aria}>${options}</div>`;
    }
    case 'static_select':
    case 'multi_static_select': {
      const multi = element.type === 'multi_static_select';
      const placeholder = multi
        ? ''
        : `<option value="">${escapeHtml(plainText(element.placeholder) || 'Select…')}</option>`;
      return `<select ${data} ${aria}${multi ? ' multiple' : ''} data-testid="select-${id}">${placeholder}${selectOptions(element)}</select>`;
    }
    case 'overflow':
      return `<select class="overflow" ${data} data-dispatch="1" ${aria} data-testid="overflow-${id}"><option value="">⋯</option>${selectOptions(element)}</select>`;
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const placeholder = element.placeholder ? ` placeholder="${attr(plainText(element.placeholder))}"` : '';
      const common = `${data} ${aria}${placeholder} data-testid="input-${id}"`;
      if (element.multiline)
        return `<textarea ${common} rows="3">${escapeHtml(element.initial_value ?? '')}</textarea>`;
      const type = { number_input: 'number', email_text_input: 'email', url_text_input: 'url' }[
        element.type as string
      ];
      return `<input type="${type ?? 'text'}" ${common} value="${attr(element.initial_value ?? '')}">`;
    }
    case 'datepicker':
    case 'timepicker': {
      const type = element.type === 'datepicker' ? 'date' : 'time';
      const value = element.initial_date ?? element.initial_time ?? '';
      return `<input type="${type}" ${data} ${aria} value="${attr(value)}" data-testid="${type}-${id}">`;
    }
    case 'image':
      return `<span class="img" role="img" aria-label="${attr(element.alt_text)}">[image: ${escapeHtml(element.alt_text ?? '')}]</span>`;
    default:
      return `<span class="unsupported">[${escapeHtml(String(element.type))}]</span>`;
  }
}

function richText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as Block;
  if (n.type === 'text') return escapeHtml(n.text ?? '');
  if (n.type === 'link' && /^https?:\/\//i.test(n.url ?? '')) {
    return `<a href="${attr(n.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(n.text ?? n.url)}</a>`;
  }
  if (n.type === 'user') return `<span class="mention">@${escapeHtml(n.user_id ?? '')}</span>`;
  return Array.isArray(n.elements) ? n.elements.map(richText).join('') : '';
}

function renderBlock(block: Block, ctx: RenderContext): string {
  const blockId = String(block.block_id ?? '');
  switch (block.type) {
    case 'header':
      return `<h3 class="blk header">${escapeHtml(plainText(block.text))}</h3>`;
    case 'section': {
      const text = block.text ? `<div class="text">${renderText(block.text, ctx)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${block.fields.map((f: Block) => `<div>${renderText(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory
        ? `<div class="accessory">${renderElement(block.accessory, blockId, plainText(block.text), true, ctx)}</div>`
        : '';
      return `<div class="blk section"><div class="main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="blk context">${(block.elements ?? [])
        .map((e: Block) =>
          e.type === 'image'
            ? renderElement(e, blockId, '', false, ctx)
            : `<span>${renderText(e, ctx)}</span>`,
        )
        .join('')}</div>`;
    case 'divider':
      return '<hr class="blk divider">';
    case 'actions':
      return `<div class="blk actions">${(block.elements ?? [])
        .map((e: Block) => renderElement(e, blockId, '', true, ctx))
        .join('')}</div>`;
    case 'input': {
      const label = plainText(block.label);
      const optional = block.optional ? ' <small>(optional)</small>' : '';
      const hint = block.hint ? `<div class="hint">${escapeHtml(plainText(block.hint))}</div>` : '';
      const element = renderElement(block.element ?? {}, blockId, label, block.dispatch_action === true, ctx);
      return `<div class="blk input"><div class="label">${escapeHtml(label)}${optional}</div>${element}${hint}</div>`;
    }
    case 'image':
      return `<div class="blk image">${renderElement({ type: 'image', alt_text: block.alt_text }, blockId, '', false, ctx)}</div>`;
    case 'markdown':
      return `<div class="blk section">${renderMrkdwn(String(block.text ?? ''), ctx)}</div>`;
    case 'rich_text':
      return `<div class="blk section">${richText(block)}</div>`;
    default:
      return `<div class="blk unsupported">[${escapeHtml(String(block.type))} block]</div>`;
  }
}

export function renderBlocks(blocks: readonly Block[], ctx: RenderContext): string {
  return blocks.map((b) => renderBlock(b, ctx)).join('');
}

const clock = (ts: string) => new Date(Number(ts) * 1000).toISOString().slice(11, 19);

function body(text: string, blocks: readonly Block[], ctx: RenderContext): string {
  return blocks.length ? renderBlocks(blocks, ctx) : `<div class="text">${renderMrkdwn(text, ctx)}</div>`;
}

/** One message, as a container whose data attributes tell the page script where a click comes from. */
export function renderMessage(m: SlackMessage, author: string, ctx: RenderContext): string {
  const edited = m.edits ? ' <span class="edited">(edited)</span>' : '';
  const thread = m.thread_ts ? '<span class="edited">↳ in thread</span> ' : '';
  return `<article class="msg${m.thread_ts ? ' reply' : ''}" data-surface="message" data-channel="${attr(m.channel)}" data-ts="${attr(m.ts)}" data-testid="message-${attr(m.ts)}"><div class="meta">${thread}<b>${escapeHtml(author)}</b> <time>${clock(m.ts)}</time>${edited}</div>${body(m.text, m.blocks, ctx)}</article>`;
}

export function renderEphemeral(e: SlackEphemeral, author: string, ctx: RenderContext): string {
  return `<article class="msg ephemeral" data-surface="message" data-channel="${attr(e.channel)}" data-ts="${attr(e.message_ts)}" data-testid="ephemeral-${attr(e.message_ts)}"><div class="meta"><b>${escapeHtml(author)}</b> <time>${clock(e.message_ts)}</time> <span class="edited">Only visible to you</span></div>${body(e.text, e.blocks, ctx)}</article>`;
}

export function renderHome(home: HomeView | undefined, ctx: RenderContext): string {
  const content = home
    ? renderBlocks(home.blocks, ctx)
    : '<p class="empty">The app has not published a Home tab for you yet.</p>';
  return `<article class="msg home" data-surface="home" data-testid="home">${content}</article>`;
}
