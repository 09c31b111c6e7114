// Slack mrkdwn to safe HTML for the inbox: HTML is escaped first, then only Slack's own markup is rendered.
import { escapeHtml } from '../workos/pages.js';

export { escapeHtml };

export interface NameLookup {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
}

// Private-use characters hold rendered fragments while the rest of the text is processed.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const HELD = /\uE000(\d+)\uE001/g;

/** Slack escapes only these three; they are decoded for display, then HTML-escaped again. */
export const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const plain = (text: string) => escapeHtml(decodeEntities(text));

/** One `<…>` control sequence: mention, channel, special mention, date, or link. */
function sequence(inner: string, names: NameLookup): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${plain(label ?? names.userName(id) ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${plain(label ?? names.channelName(id) ?? id)}</span>`;
  }
  if (target.startsWith('!')) {
    const [kind, arg] = target.slice(1).split('^');
    // Dates show their fallback text: the sandbox has no viewer time zone to format in.
    if (kind === 'date') return plain(label ?? '');
    if (kind === 'subteam') return `<span class="mention">${plain(label ?? `@${arg ?? 'team'}`)}</span>`;
    if (kind === 'here' || kind === 'channel' || kind === 'everyone') {
      return `<span class="mention">@${kind}</span>`;
    }
    return plain(label ?? kind ?? '');
  }
  const url = decodeEntities(target);
  const text = plain(label ?? target);
  // Only web links become anchors; javascript:, data: and the like stay inert text.
  if (/^https?:\/\//i.test(url)) {
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
  }
  return text;
}

function emphasis(text: string, mark: string, tag: string): string {
  const m = mark === '*' ? '\\*' : mark;
  const re = new RegExp(`(^|[^\\w${m}])${m}(?!\\s)([^${m}\\n]*?[^\\s${m}]|[^\\s${m}])${m}(?![\\w${m}])`, 'g');
  return text.replace(re, `$1<${tag}>$2</${tag}>`);
}

/** Renders mrkdwn as Slack shows it: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes, links, mentions. */
export function renderMrkdwn(raw: string, names: NameLookup): string {
  const held: string[] = [];
  const hold = (html: string) => `${OPEN}${held.push(html) - 1}${CLOSE}`;
  let text = raw.replace(/[\uE000\uE001]/g, '');
  text = text.replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(sequence(inner, names)));
  text = plain(text);
  text = text.replace(/```([\s\S]*?)```/g, (_, code: string) =>
    hold(`<pre>${code.replace(/^\n/, '')}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${code}</code>`));
  text = emphasis(text, '*', 'strong');
  text = emphasis(text, '_', 'em');
  text = emphasis(text, '~', 'del');
  const lines = text.split('\n').map((line) => {
    const quote = /^&#62;\s?(.*)$/.exec(line);
    return quote ? `<span class="quote">${quote[1]}</span>` : `${line}<br>`;
  });
  text = lines.join('').replace(/<br>$/, '');
  // Held fragments can hold others (a link inside pre), so restore until none is left.
  for (let i = 0; i < 3 && text.includes(OPEN); i++) {
    text = text.replace(HELD, (_, index: string) => held[Number(index)] ?? '');
  }
  return text;
}

/** A text object (plain_text or mrkdwn) as HTML. */
export function renderText(text: { type?: string; text?: string } | undefined, names: NameLookup): string {
  if (!text || typeof text.text !== 'string') return '';
  return text.type === 'mrkdwn' ? renderMrkdwn(text.text, names) : escapeHtml(text.text);
}

/** Text for attributes and aria labels: markup and control sequences reduced to what a reader sees. */
export function plainText(text: { type?: string; text?: string } | undefined): string {
  if (!text || typeof text.text !== 'string') return '';
  if (text.type !== 'mrkdwn') return text.text;
  return decodeEntities(
    text.text
      .replace(/<[^<>|]*\|([^<>]*)>/g, '$1')
      .replace(/<([^<>]*)>/g, '$1')
      .replace(/[*_~`]/g, ''),
  );
}
