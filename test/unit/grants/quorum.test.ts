// N-of-M approvals, table-driven: counting distinct eligible people, narrowing by intersection, the last one.
import { describe, expect, it } from 'vitest';
import { applyQuorumApproval, personKey, type Quorum, stillMissing } from '../../../src/grants/quorum.js';
import { isTransitionError } from '../../../src/grants/transitions.js';
import type { Actor, Grant, GrantGate, GrantPolicy } from '../../../src/grants/types.js';
import { pendingBroad } from '../slack/grant-factory.js';

const MINUTE = 60_000;
const gate = (provider: string, over: Partial<GrantGate> = {}): GrantGate => ({
  provider,
  rules: [`r-${provider}`],
  decision: 'needs-approval',
  approvals: 1,
  approvers: { slackUsers: [], slackGroups: ['SDATA'], emails: [] },
  requesterMaySelfApprove: false,
  selfApprove: 'none',
  channels: [],
  ...over,
});
const policy = (...gates: GrantGate[]): GrantPolicy => ({
  version: 'v1',
  rules: gates.flatMap((g) => g.rules),
  decidedByRule: null,
  gates,
  maxDurationMs: null,
});
const person = (email: string, groups: readonly string[] = ['SDATA']): Quorum['person'] => {
  const p = { email, slackUserId: null, slackGroups: groups };
  return { ...p, key: personKey(p) };
};
const actor = (email: string): Actor => ({ type: 'user', id: email, email, via: 'web' });
const requester = { email: 'req@example.com', slackUserId: null };
const ctx = (now: number) => ({ now, maxAccessMs: 60 * MINUTE });

/** Applies approvals in order; returns the grant or the error of the first that was refused. */
function run(
  grant: Grant,
  p: GrantPolicy,
  steps: readonly { who: string; providers?: string[]; groups?: readonly string[]; durationMs?: number }[],
): Grant | string {
  let current = grant;
  for (const [i, step] of steps.entries()) {
    const next = applyQuorumApproval(
      current,
      actor(step.who),
      {
        ...(step.providers ? { providers: step.providers } : {}),
        ...(step.durationMs ? { durationMs: step.durationMs } : {}),
      },
      { policy: p, person: person(step.who, step.groups), requester },
      ctx(grant.createdAt + (i + 1) * 1000),
    );
    if (isTransitionError(next)) return next.error;
    current = next;
  }
  return current;
}

describe('applyQuorumApproval', () => {
  const two = policy(gate('linear', { approvals: 2 }));
  const grant = pendingBroad({ providers: ['linear'], requestedProviders: ['linear'] });

  it.each([
    ['one of two stays pending', [{ who: 'bob@x' }], 'pending'],
    ['two distinct people approve it', [{ who: 'bob@x' }, { who: 'carol@x' }], 'approved'],
    ['the same person twice is refused', [{ who: 'bob@x' }, { who: 'BOB@x' }], /already approved/],
    ['the requester never counts', [{ who: 'req@example.com' }], /not an approver/],
    ['a non-member is refused', [{ who: 'mallory@x', groups: [] }], /not an approver/],
  ] as const)('%s', (_name, steps, expected) => {
    const result = run(grant, two, steps);
    if (typeof expected === 'string')
      expect(typeof result === 'string' ? result : result.status).toBe(expected);
    else expect(result).toMatch(expected);
  });

  it('starts the clock at the last needed approval and grants the shortest duration chosen', () => {
    const result = run(grant, two, [
      { who: 'bob@x', durationMs: 10 * MINUTE },
      { who: 'carol@x', durationMs: 20 * MINUTE },
    ]) as Grant;
    expect(result.approvedAt).toBe(grant.createdAt + 2000);
    expect(result.durationMs).toBe(10 * MINUTE);
    expect(result.expiresAt).toBe(grant.createdAt + 2000 + 10 * MINUTE);
    expect(result.approvals?.map((a) => a.person)).toEqual(['bob@x', 'carol@x']);
  });

  it('spanning providers needs every gate; the first approver narrows and the scope is the intersection', () => {
    const both = pendingBroad();
    const p = policy(
      gate('linear', { approvers: { slackUsers: [], slackGroups: ['SLEADS'], emails: [] } }),
      gate('notion', { approvals: 2 }),
    );
    const half = run(both, p, [{ who: 'bob@x', providers: ['notion'] }]) as Grant;
    expect(half.status).toBe('pending');
    expect(stillMissing(half).map((m) => [m.provider, m.needed])).toEqual([['notion', 1]]);
    const done = run(both, p, [{ who: 'bob@x', providers: ['notion'] }, { who: 'carol@x' }]) as Grant;
    expect(done.status).toBe('approved');
    expect(done.providers).toEqual(['notion']);
  });

  it('without narrowing, a gate the approver cannot approve still needs its own approver', () => {
    const both = pendingBroad();
    const p = policy(
      gate('linear', { approvers: { slackUsers: [], slackGroups: ['SLEADS'], emails: [] } }),
      gate('notion'),
    );
    const half = run(both, p, [{ who: 'bob@x' }]) as Grant;
    expect(half.status).toBe('pending');
    expect(stillMissing(half).map((m) => m.provider)).toEqual(['linear']);
    const done = run(both, p, [{ who: 'bob@x' }, { who: 'lead@x', groups: ['SLEADS'] }]) as Grant;
    expect(done.status).toBe('approved');
    expect(done.providers).toEqual(['linear', 'notion']);
  });

  it('a provider the policy in force now denies cannot be approved', () => {
    const result = run(grant, policy(gate('linear', { decision: 'deny' })), [{ who: 'bob@x' }]);
    expect(result).toMatch(/denies linear/);
  });
});
