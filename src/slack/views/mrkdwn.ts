// Safe mrkdwn for text we did not write: escaping, mentions, Slack dates and limit-aware truncation.
import type { MrkdwnElement, PlainTextElement } from '@slack/types';

/** Invisible, non-breaking: placed after "@" so a bare @here/@channel/@everyone can never notify anyone. */
const WORD_JOINER = '\u2060';
const ZERO_WIDTH_SPACE = '\u200b';
export const ELLIPSIS = '…';

/**
 * Escapes the three mrkdwn control characters (`&` first, so entities are not double-escaped by the later
 * replacements) and breaks bare broadcast mentions. Every special sequence (`<!channel>`, `<@U1>`,
 * `<http://x|y>`, `<!date…>`) needs a literal `<`, so after this the text can only ever show as typed.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(here|channel|everyone|group)\b/gi, `@${WORD_JOINER}$1`);
}

/** Text for inside a ``` block: escaped, and a ``` in the text can no longer close our fence early. */
export function escapeCode(text: string): string {
  return escapeMrkdwn(text).replace(/```/g, `\`${ZERO_WIDTH_SPACE}\`${ZERO_WIDTH_SPACE}\``);
}

/** Escaped text shown as a block quote, line by line (our own `>` markers, the text's are escaped). */
export function quote(text: string): string {
  return escapeMrkdwn(text)
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join('\n');
}

/**
 * Cuts already-escaped (or plain) text to at most `max` characters, ending with "…". It never splits an
 * entity (`&amp;`, `&lt;`, `&gt;`), a `<…>` sequence or a surrogate pair, so the cut can't produce a stray `&`,
 * a broken mention or date, or half an emoji.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  let end = max - ELLIPSIS.length;
  // Step back out of an entity that the cut would split: "&am|p;" → cut before "&".
  const amp = text.lastIndexOf('&', end);
  if (amp !== -1 && amp + 5 >= end) {
    const entity = /^&(amp|lt|gt);/.exec(text.slice(amp, amp + 5));
    if (entity && amp + entity[0].length > end) end = amp;
  }
  // Our own sequences (`<@U1>`, `<!date…>`, links) are all-or-nothing; escaped text has no raw `<` to confuse this.
  const open = text.lastIndexOf('<', end - 1);
  if (open !== -1 && text.indexOf('>', open) >= end) end = open;
  end = safeCut(text, end);
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/**
 * The longest prefix of `raw` whose encoding (escaping by default) fits in `max` characters, with "…" when cut.
 * `omitted` counts the raw characters left out, for "(N more characters)" notes. Escaping a prefix rather than
 * cutting an escaped string means no entity is ever split, whatever `encode` does.
 */
export function fitMrkdwn(
  raw: string,
  max: number,
  encode: (text: string) => string = escapeMrkdwn,
): { text: string; omitted: number } {
  const full = encode(raw);
  if (full.length <= max) return { text: full, omitted: 0 };
  const budget = max - ELLIPSIS.length;
  let lo = 0;
  let hi = raw.length;
  // Encoded length never shrinks as the prefix grows, so a binary search finds the longest prefix that fits.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encode(raw.slice(0, mid)).length <= budget) lo = mid;
    else hi = mid - 1;
  }
  const keep = safeCut(raw, lo);
  return { text: `${encode(raw.slice(0, keep))}${ELLIPSIS}`, omitted: raw.length - keep };
}

/** Escapes and cuts in one step: the usual way to put someone else's text in a mrkdwn field. */
export const escapeWithin = (raw: string, max: number): string => fitMrkdwn(raw, max).text;

/** A mrkdwn text object that Slack will not auto-link or mention-parse (ours use explicit `<…>` syntax). */
export const md = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });

/** Plain text within `max` characters; plain_text is never parsed, so it needs no escaping. */
export const plain = (text: string, max = 3000): PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max) || ' ',
  emoji: true,
});

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,40}$/;

/** `<@U123>` for a well-formed Slack user id, else the escaped email (never a raw, unchecked `<@…>`). */
export function mention(slackUserId: string | null | undefined, email: string): string {
  if (slackUserId && SLACK_USER_ID.test(slackUserId)) return `<@${slackUserId}>`;
  return escapeMrkdwn(email);
}

export const isSlackUserId = (id: string | null | undefined): id is string =>
  typeof id === 'string' && SLACK_USER_ID.test(id);

/** "2026-01-15 09:05 UTC": the fallback Slack shows where it can't localise a date (no clock read). */
export function utcText(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * `<!date^SECONDS^FORMAT|FALLBACK>`, shown in each viewer's own time zone. `^`, `|` and `>` would end the
 * sequence early, so they are removed from both parts.
 */
export function slackDate(
  epochMs: number,
  format = '{date_short_pretty} at {time}',
  fallbackText: string = utcText(epochMs),
): string {
  const seconds = Math.floor(epochMs / 1000);
  const clean = (text: string) => escapeMrkdwn(text.replace(/[\^|<>]/g, ''));
  return `<!date^${seconds}^${clean(format)}|${clean(fallbackText)}>`;
}

/** Moves a cut back so it doesn't separate a surrogate pair (half an emoji renders as garbage). */
function safeCut(text: string, end: number): number {
  if (end <= 0) return 0;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
