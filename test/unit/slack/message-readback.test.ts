// The content hash a re-run compares with what Slack shows, and what counts as a re-run of a job.
import { describe, expect, it } from 'vitest';
import { isRerun } from '../../../src/jobs/grant-jobs.js';
import { renderedHash } from '../../../src/slack/message-readback.js';

const blocks = [
  { type: 'header', text: { type: 'plain_text', text: 'Expired' } },
  { type: 'section', text: { type: 'mrkdwn', text: '*Linear* write' } },
];

describe('renderedHash', () => {
  it('is the same for the same content, whatever the key order or the ids Slack gave the blocks', () => {
    const reordered = [
      { text: { text: 'Expired', type: 'plain_text' }, type: 'header', block_id: 'Ab1' },
      { text: { text: '*Linear* write', type: 'mrkdwn' }, type: 'section', block_id: 'Xy2' },
    ];
    expect(renderedHash({ text: 'fallback', blocks: reordered })).toBe(
      renderedHash({ text: 'fallback', blocks }),
    );
  });

  it('differs when the text, a block or their order differs', () => {
    const base = renderedHash({ text: 'fallback', blocks });
    expect(renderedHash({ text: 'other', blocks })).not.toBe(base);
    expect(renderedHash({ text: 'fallback', blocks: [...blocks].reverse() })).not.toBe(base);
    expect(renderedHash({ text: 'fallback', blocks: [blocks[0]] })).not.toBe(base);
    const changed = [blocks[0], { type: 'section', text: { type: 'mrkdwn', text: '*Linear* read' } }];
    expect(renderedHash({ text: 'fallback', blocks: changed })).not.toBe(base);
  });
});

describe('isRerun', () => {
  const first = { attemptsMade: 0, attemptsStarted: 1, stalledCounter: 0 };
  it('is false for a first run (and without a job)', () => {
    expect(isRerun(first)).toBe(false);
    expect(isRerun(undefined)).toBe(false);
  });
  it('is true after a failed attempt, a stall (worker died), or a second start', () => {
    expect(isRerun({ ...first, attemptsMade: 1 })).toBe(true);
    expect(isRerun({ ...first, stalledCounter: 1 })).toBe(true);
    expect(isRerun({ ...first, attemptsStarted: 2 })).toBe(true);
  });
  it('does not count starts that Slack deferred before they sent anything', () => {
    expect(isRerun({ ...first, attemptsStarted: 3, data: { grantId: 'g', unsentDeferrals: 2 } })).toBe(false);
    expect(isRerun({ ...first, attemptsStarted: 3, data: { grantId: 'g', unsentDeferrals: 1 } })).toBe(true);
    expect(isRerun({ ...first, stalledCounter: 1, data: { unsentDeferrals: 5 } })).toBe(true);
    expect(isRerun({ ...first, attemptsStarted: 2, data: { unsentDeferrals: 'x' } })).toBe(true);
  });
});
