// The consent message's wording (who and where, bounded lists, N-of-M, fallbacks) and which approvers a grant names.
import { describe, expect, it } from 'vitest';
import type { GrantGate, GrantPolicy } from '../../../src/grants/types.js';
import { consentWording, listNames } from '../../../src/mcp/consent-wording.js';
import { approversOf } from '../../../src/slack/consent-audience.js';

const WHAT = 'read access to linear';
const TAIL = ', or open this link to decide (you sign in there; the decision is bound to this request).';
const APPROVALS = { kind: 'channel', id: 'C0APPROVALS', name: 'access-approvals' } as const;

describe('consentWording', () => {
  it('names who and where, in words that mean something outside Slack', () => {
    const text = consentWording({
      what: WHAT,
      place: APPROVALS,
      approvers: { names: ['@bob'], more: 0, needed: 1 },
    });
    expect(text).toBe(
      `Countersign needs a person to approve ${WHAT}: waiting for @bob in #access-approvals${TAIL}`,
    );
    expect(text).not.toContain('<#');
  });

  it('N-of-M says how many approvals, from whom', () => {
    const text = consentWording({
      what: WHAT,
      place: APPROVALS,
      approvers: { names: ['@data-team'], more: 0, needed: 2 },
    });
    expect(text).toContain(': needs 2 approvals from @data-team in #access-approvals, or open this link');
  });

  it("the requester's own DM is their Slack direct messages", () => {
    const text = consentWording({ what: WHAT, place: { kind: 'dm' }, approvers: null });
    expect(text).toContain(
      ': waiting for you in your Slack direct messages (you may approve this yourself), or open',
    );
  });

  it('falls back to the former wording when Slack did not say in time', () => {
    const place = { kind: 'channel', id: 'C0APPROVALS', name: null } as const;
    expect(consentWording({ what: WHAT, place, approvers: null })).toContain(
      ': waiting for an approver in Slack (<#C0APPROVALS>), or open this link',
    );
    expect(consentWording({ what: WHAT, place: APPROVALS, approvers: null })).toContain(
      ': waiting for an approver in #access-approvals, or open',
    );
    expect(consentWording({ what: WHAT, place: null, approvers: null })).toContain(
      ': waiting for an approver, or open',
    );
  });
});

describe('listNames', () => {
  it('lists at most three names, then counts the others', () => {
    expect(listNames(['@a'], 'or')).toBe('@a');
    expect(listNames(['@a', '@b'], 'or')).toBe('@a or @b');
    expect(listNames(['@a', '@b', '@c'], 'and')).toBe('@a, @b and @c');
    expect(listNames(['@a', '@b', '@c', '@d'], 'or')).toBe('@a, @b, @c or 1 other');
    expect(listNames(['@a', '@b', '@c', '@d', '@e'], 'and', 2)).toBe('@a, @b, @c and 4 others');
    expect(listNames(['@a', '@a', '@b'], 'or')).toBe('@a or @b');
  });
});

function gate(partial: Partial<GrantGate>): GrantGate {
  return {
    provider: 'linear',
    rules: ['r'],
    decision: 'needs-approval',
    approvals: 1,
    approvers: { slackUsers: [], slackGroups: [], emails: [] },
    requesterMaySelfApprove: false,
    selfApprove: 'none',
    channels: [],
    ...partial,
  };
}

const policy = (gates: GrantGate[]): GrantPolicy => ({
  version: 'v',
  rules: ['r'],
  decidedByRule: null,
  gates,
  maxDurationMs: null,
});

describe('approversOf', () => {
  const fallback = { slackUsers: ['U0CAROL'], slackGroups: ['S0APPROVERS'], emails: ['Bob@Sandbox.test'] };

  it('without a recorded policy: the configured approvers, people first', () => {
    expect(approversOf({ policy: null }, fallback)).toEqual({
      refs: [
        { kind: 'user', id: 'U0CAROL' },
        { kind: 'email', id: 'bob@sandbox.test' },
        { kind: 'group', id: 'S0APPROVERS' },
      ],
      needed: 1,
    });
  });

  it("from the grant's policy: every gate still needing approval, once each, the most approvals any needs", () => {
    const recorded = policy([
      gate({ approvals: 2, approvers: { slackUsers: [], slackGroups: ['S0DATATEAM'], emails: [] } }),
      gate({ provider: 'notion', approvers: { slackUsers: [], slackGroups: ['S0DATATEAM'], emails: [] } }),
      gate({
        provider: 'github',
        decision: 'approve',
        approvals: 0,
        approvers: { slackUsers: ['U0MALLORY'], slackGroups: [], emails: [] },
      }),
    ]);
    expect(approversOf({ policy: recorded }, fallback)).toEqual({
      refs: [{ kind: 'group', id: 'S0DATATEAM' }],
      needed: 2,
    });
  });
});
