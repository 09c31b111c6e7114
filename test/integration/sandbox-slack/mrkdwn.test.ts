// The inbox renderer: Slack mrkdwn becomes HTML only through Slack's own markup, never through the text itself.
import { describe, expect, it } from 'vitest';
import { renderMrkdwn } from '../../../src/sandbox/slack/index.js';
import { renderBlocks } from '../../../src/sandbox/slack/render.js';

const names = {
  userName: (id: string) => ({ U0BOB: 'bob' })[id],
  channelName: (id: string) => ({ C0GENERAL: 'general' })[id],
};
const md = (text: string) => renderMrkdwn(text, names);

describe('renderMrkdwn', () => {
  it('renders bold, italic, strike, code and pre, but not markup inside code', () => {
    expect(md('*bold* _it_ ~gone~')).toBe('<strong>bold</strong> <em>it</em> <del>gone</del>');
    expect(md('`a *b*`')).toBe('<code>a *b*</code>');
    expect(md('```\nline *1*\nline 2```')).toBe('<pre>line *1*\nline 2</pre>');
    expect(md('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
  });

  it('shows Slack entities as characters and never lets text become HTML', () => {
    expect(md('&lt;b&gt;hi&lt;/b&gt; &amp; "q" \'a\'')).toBe(
      '&#60;b&#62;hi&#60;/b&#62; &#38; &#34;q&#34; &#39;a&#39;',
    );
    const unescaped = md('<script>alert(1)</script><img src=x onerror=alert(1)>');
    expect(unescaped).not.toMatch(/<script|<img/i);
  });

  it('links only http(s) URLs, with the label escaped and the href quoted safely', () => {
    expect(md('<https://x.test/a?b=1&amp;c=2|the *docs*>')).toBe(
      '<a href="https://x.test/a?b=1&#38;c=2" target="_blank" rel="noopener noreferrer">the *docs*</a>',
    );
    expect(md('<https://x.test/" onmouseover="alert(1)|x>')).toContain(
      'href="https://x.test/&#34; onmouseover=&#34;alert(1)"',
    );
    expect(md('<javascript:alert(1)|click me>')).toBe('click me');
    expect(md('<mailto:a@b.test|mail>')).toBe('mail');
  });

  it('renders mentions, channels, special mentions and dates as a reader sees them', () => {
    expect(md('<@U0BOB> <@U0X|custom> <#C0GENERAL> <!here>')).toBe(
      '<span class="mention">@bob</span> <span class="mention">@custom</span> <span class="mention">#general</span> <span class="mention">@here</span>',
    );
    expect(md('<!date^1700000000^{date_short_pretty} at {time}|Nov 14, 2023 at 22:13 UTC>')).toBe(
      'Nov 14, 2023 at 22:13 UTC',
    );
    expect(md('*<@U0BOB>* approved')).toBe('<strong><span class="mention">@bob</span></strong> approved');
  });

  it('turns newlines into breaks and > lines into quotes', () => {
    expect(md('a\nb')).toBe('a<br>b');
    expect(md('&gt; quoted\nafter')).toBe('<span class="quote">quoted</span>after');
  });
});

describe('renderBlocks', () => {
  it('renders input blocks as real controls with initial values and escaped labels', () => {
    const html = renderBlocks(
      [
        {
          type: 'input',
          block_id: 'b1',
          label: { type: 'plain_text', text: 'Providers <x>' },
          element: {
            type: 'checkboxes',
            action_id: 'cs_providers',
            options: [
              { text: { type: 'mrkdwn', text: '*Linear*' }, value: 'linear' },
              { text: { type: 'plain_text', text: '<b>Notion</b>' }, value: 'notion' },
            ],
            initial_options: [{ text: { type: 'mrkdwn', text: '*Linear*' }, value: 'linear' }],
          },
        },
        {
          type: 'actions',
          block_id: 'b2',
          elements: [
            {
              type: 'button',
              action_id: 'open',
              text: { type: 'plain_text', text: 'Open' },
              url: 'javascript:alert(1)',
            },
          ],
        },
      ],
      { ...names, scope: 'test' },
    );
    expect(html).toContain('Providers &#60;x&#62;');
    expect(html).toMatch(/value="linear"[^>]* checked/);
    expect(html).not.toMatch(/value="notion"[^>]* checked/);
    expect(html).toContain('&#60;b&#62;Notion&#60;/b&#62;');
    expect(html).not.toContain('href="javascript');
  });
});
