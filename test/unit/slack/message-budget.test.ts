// A single-call request with a big body, a long URL, a long reason and long notes stays within Slack's
// whole-message limit (msg_blocks_too_long), in every state; the body is what gives way, with a pointer to
// the consent page.
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { PERMANENT_SLACK_ERRORS } from '../../../src/slack/messenger.js';
import { blockTextLength, MESSAGE_TEXT_BUDGET } from '../../../src/slack/views/message-budget.js';
import { requestMessage } from '../../../src/slack/views/request-message.js';
import { DECIDED, inState, pendingRequest, viewContext } from './grant-factory.js';

const long = (n: number) => 'notes and reasons '.repeat(Math.ceil(n / 18)).slice(0, n);
const big = pendingRequest({
  reason: long(3000),
  request: {
    method: 'POST',
    url: `https://api.linear.app/graphql?${'q=1&'.repeat(900)}`,
    body: JSON.stringify({ query: `mutation { ${'issueUpdate(id: "ENG-1") { success } '.repeat(400)} }` }),
  },
});
const withNotes = (grant: Grant, status: Grant['status']): Grant => {
  const g = inState(status, grant);
  return { ...g, instructions: long(2000), statusReason: long(2000) };
};
const ctx = viewContext({ approvalUrl: 'https://countersign.example.com/approve?token=abc' });

describe('the whole-message budget', () => {
  it('keeps a pending request with a big body and long reason under the budget, pointing at the page', () => {
    const message = requestMessage(big, ctx);
    expect(blockTextLength(message.blocks)).toBeLessThanOrEqual(MESSAGE_TEXT_BUDGET);
    expect(JSON.stringify(message.blocks)).toMatch(/more characters; open in browser for the full body/);
  });

  it.each(DECIDED)('keeps it under the budget once %s, notes included', (status) => {
    const message = requestMessage(withNotes(big, status), { ...ctx, approvalUrl: null });
    expect(blockTextLength(message.blocks)).toBeLessThanOrEqual(MESSAGE_TEXT_BUDGET);
  });

  it('leaves a request that fits as it was', () => {
    const small = pendingRequest();
    expect(JSON.stringify(requestMessage(small, ctx).blocks)).toContain('issueUpdate(id:');
  });

  it('treats what a retry cannot fix as permanent (no 8 retries keeping live buttons)', () => {
    for (const code of ['msg_blocks_too_long', 'message_not_found', 'cant_update_message'])
      expect(PERMANENT_SLACK_ERRORS.has(code)).toBe(true);
  });
});
