// Approvers get one set of durations wherever they decide: the Slack message offers what the consent page offers.
import { describe, expect, it } from 'vitest';
import { durationChoices } from '../../../src/grants/durations.js';
import { durationInput } from '../../../src/slack/views/request-inputs.js';
import { pendingBroad, viewContext } from '../slack/grant-factory.js';

const MINUTE = 60_000;

describe('duration choices', () => {
  it('are the ladder up to the maximum, plus the requested duration and the maximum, ascending', () => {
    expect(durationChoices(20 * MINUTE, 60 * MINUTE)).toEqual(
      [1, 5, 10, 15, 20, 30, 60].map((m) => m * MINUTE),
    );
    expect(durationChoices(2 * 60 * MINUTE, 45 * MINUTE)).toEqual(
      [1, 5, 10, 15, 30, 45].map((m) => m * MINUTE),
    );
  });

  it('are exactly what the Slack message offers', () => {
    const grant = { ...pendingBroad(), requestedDurationMs: 20 * MINUTE };
    const ctx = { ...viewContext(), maxAccessMs: 60 * MINUTE, defaultAccessMs: 5 * MINUTE };
    const offered = (
      durationInput(grant, ctx, 1).element as { options: Array<{ value: string }> }
    ).options.map((o) => Number(o.value));
    expect(offered).toEqual(durationChoices(grant.requestedDurationMs, ctx.maxAccessMs));
  });
});
