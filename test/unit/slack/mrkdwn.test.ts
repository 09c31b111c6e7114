// Specification of safe mrkdwn: escaping, broadcast neutralising, truncation that keeps sequences whole, dates.
import { describe, expect, it } from 'vitest';
import {
  escapeCode,
  escapeMrkdwn,
  fitMrkdwn,
  mention,
  quote,
  slackDate,
  truncate,
  utcText,
} from '../../../src/slack/views/mrkdwn.js';
import { EVIL, EVIL_ESCAPED } from './grant-factory.js';

describe('escapeMrkdwn', () => {
  it('escapes & first, then < and >, so every special sequence shows as typed', () => {
    expect(escapeMrkdwn(EVIL)).toBe(EVIL_ESCAPED);
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    expect(escapeMrkdwn('<!subteam^S1|@team> <#C1> <!date^1^{date}|x>')).not.toMatch(/[<>]/);
  });

  it('breaks bare broadcast mentions but leaves ordinary @words and emails alone', () => {
    for (const word of ['@here', '@channel', '@everyone', '@HERE']) {
      expect(escapeMrkdwn(`hi ${word}!`)).not.toContain(word);
    }
    expect(escapeMrkdwn('ping @heretic at a@example.com')).toBe('ping @heretic at a@example.com');
  });

  it('does not HTML-encode anything else (Slack would show &#39; literally)', () => {
    expect(escapeMrkdwn(`it's "fine" *bold*`)).toBe(`it's "fine" *bold*`);
  });
});

describe('truncate', () => {
  it('leaves short text alone and cuts long text to exactly the limit with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    const cut = truncate('x'.repeat(100), 10);
    expect(cut).toBe(`${'x'.repeat(9)}…`);
  });

  it('never splits an entity', () => {
    const escaped = escapeMrkdwn('ab<<<<<<');
    for (let max = 3; max < escaped.length; max++) {
      const cut = truncate(escaped, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
  });

  it('never splits one of our <…> sequences or a surrogate pair', () => {
    const text = `approved by <@UALICE> at ${slackDate(0)}`;
    for (let max = 2; max < text.length; max++) {
      const cut = truncate(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect((cut.match(/</g) ?? []).length).toBe((cut.match(/>/g) ?? []).length);
    }
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });
});

describe('fitMrkdwn', () => {
  it('escapes a prefix that fits and counts the raw characters left out', () => {
    const raw = '<'.repeat(100);
    const { text, omitted } = fitMrkdwn(raw, 41);
    expect(text).toBe(`${'&lt;'.repeat(10)}…`);
    expect(omitted).toBe(90);
  });

  it('returns the whole escaped text when it fits', () => {
    expect(fitMrkdwn('a & b', 100)).toEqual({ text: 'a &amp; b', omitted: 0 });
  });

  it('works with any encoding, such as a quote', () => {
    const { text } = fitMrkdwn('line\n'.repeat(1000), 300, quote);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text.startsWith('> line\n> line')).toBe(true);
  });
});

describe('escapeCode and quote', () => {
  it('keeps a ``` in the text from closing our code fence', () => {
    expect(escapeCode('a```b<')).not.toContain('```');
    expect(escapeCode('a```b<')).toContain('&lt;');
  });

  it('quotes line by line; a > in the text cannot start its own quote', () => {
    expect(quote('one\n> two')).toBe('> one\n> &gt; two');
  });
});

describe('mention and slackDate', () => {
  it('mentions a well-formed Slack user id, else shows the escaped email', () => {
    expect(mention('U123ABC', 'a@example.com')).toBe('<@U123ABC>');
    expect(mention(null, 'a@example.com')).toBe('a@example.com');
    expect(mention('U1> <!channel', '<b>@x')).toBe('&lt;b&gt;@x');
  });

  it('formats a Slack date with a UTC fallback and strips characters that would end the sequence', () => {
    const at = Date.UTC(2023, 10, 14, 22, 13, 20);
    expect(slackDate(at)).toBe('<!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>');
    expect(slackDate(at, '{date}', 'a|b>c^d')).toBe('<!date^1700000000^{date}|abcd>');
    expect(utcText(at)).toBe('2023-11-14 22:13 UTC');
  });
});
