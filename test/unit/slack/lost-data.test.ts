// Specification of the views for lost data: a forgotten request's message (no buttons left) and the reset notice.
import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../src/slack/views/limits.js';
import { redisResetNotice, unknownRequestMessage } from '../../../src/slack/views/lost-data.js';
import { allText } from './block-walk.js';
import { T0 } from './grant-factory.js';

describe('unknownRequestMessage', () => {
  it('says the request is no longer known and must be asked again, with nothing left to click', () => {
    const view = unknownRequestMessage('U0BOB', T0);
    expect(view.text).toMatch(/no longer known/);
    expect(view.text).toMatch(/ask again/);
    expect(view.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(view.blocks)).not.toMatch(/"(actions|button|static_select)"/);
    expect(allText(view.blocks)).toContain('<@U0BOB>');
    expect(validateBlocks(view.blocks)).toEqual([]);
  });

  it('never mentions anything but a well-formed user id', () => {
    expect(allText(unknownRequestMessage('<!channel>', T0).blocks)).not.toContain('<!channel>');
  });
});

describe('redisResetNotice', () => {
  it('says what was lost, what people see, and how to keep it from happening', () => {
    const view = redisResetNotice(T0);
    expect(view.text).toMatch(/Redis lost its data/);
    const text = allText(view.blocks);
    expect(text).toMatch(/request access again/);
    expect(text).toMatch(/no longer known/);
    expect(text).toMatch(/appendonly yes/);
    expect(text).toMatch(/noeviction/);
    expect(text).toContain(`<!date^${Math.floor(T0 / 1000)}^`);
    expect(validateBlocks(view.blocks)).toEqual([]);
  });
});
