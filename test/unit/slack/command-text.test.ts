// The /countersign texts read as Slack renders them: no stray `<…>` for Slack to take as a link or mention.
import { describe, expect, it } from 'vitest';
import { commandHelp } from '../../../src/slack/views/command-text.js';
import { notesInput } from '../../../src/slack/views/request-inputs.js';

/** A `<…>` Slack parses: a user, channel, group or special mention, or a link. Anything else is mangled. */
const SLACK_ANGLE =
  /^<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+(?:\|[^>]*)?|!subteam\^S[A-Z0-9]+|!(?:here|channel|everyone)|(?:https?|mailto):[^>]+)>$/;

describe('/countersign help', () => {
  it.each([
    { approver: false, admin: false },
    { approver: true, admin: false },
    { approver: false, admin: true },
  ])('has no raw angle brackets Slack would mangle (%o)', (role) => {
    const text = commandHelp({ ...role, selfApprove: 'read', unknown: null });
    for (const angle of text.match(/<[^>]*>/g) ?? []) expect(angle).toMatch(SLACK_ANGLE);
    expect(text).toContain('/countersign revoke &lt;grant id&gt;');
  });
});

describe('the notes input', () => {
  it('is optional without saying so in its label (Slack adds "(optional)" itself)', () => {
    const block = notesInput(1);
    expect(block.optional).toBe(true);
    expect(block.label.text).not.toMatch(/optional/i);
  });
});
