// Specification of the grant state machine: narrowing-only approvals, the clock, and a history of every change.
import { describe, expect, it } from 'vitest';
import type { NewBroadGrant, NewRequestGrant } from '../../../src/grants/store-api.js';
import {
  applyApproval,
  applyCancel,
  applyConsume,
  applyDenial,
  applyExtension,
  applyFinish,
  applySupersede,
  GrantInputError,
  grantVersion,
  isTransitionError,
  newBroadGrant,
  newRequestGrant,
  type TransitionError,
  withClock,
} from '../../../src/grants/transitions.js';
import type { Actor, Grant } from '../../../src/grants/types.js';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const MINUTE = 60_000;
const WINDOW = 5 * MINUTE;
const MAX = 60 * MINUTE;

const owner = { sid: 'sess_1', organizationId: 'org_1', userId: 'user_req', userEmail: 'req@example.com' };
const alice: Actor = { type: 'user', id: 'U_ALICE', email: 'alice@example.com', name: 'Alice', via: 'slack' };
const assistant: Actor = { type: 'assistant', id: 'user_req', via: 'mcp' };

const broadInput: NewBroadGrant = {
  owner,
  clientName: 'claude-code',
  reason: '  triage the backlog  ',
  level: 'write',
  providers: ['linear', 'notion', 'snowflake'],
  durationMs: 30 * MINUTE,
};
const requestInput: NewRequestGrant = {
  owner,
  clientName: null,
  reason: null,
  level: 'write',
  provider: 'linear',
  request: { method: 'POST', url: 'https://api.linear.app/graphql', body: '{"query":"mutation"}' },
};

const broad = (over: Partial<NewBroadGrant> = {}) =>
  newBroadGrant(
    { ...broadInput, ...over },
    { id: 'g_b', now: T0, decisionWindowMs: WINDOW, maxAccessMs: MAX },
  );
const request = () =>
  newRequestGrant(requestInput, { id: 'g_r', now: T0, decisionWindowMs: WINDOW, durationMs: 5 * MINUTE });

function ok(result: Grant | TransitionError): Grant {
  if (isTransitionError(result)) throw new Error(`expected a grant, got: ${result.error}`);
  return result;
}
function err(result: Grant | TransitionError): TransitionError {
  if (!isTransitionError(result)) throw new Error(`expected an error, got status ${result.status}`);
  return result;
}
const approve = (grant: Grant, choice = {}, now = T0 + MINUTE) =>
  applyApproval(grant, alice, choice, { now, maxAccessMs: MAX });

describe('new grants', () => {
  it('start pending, with the decision window from creation and a history entry by the assistant', () => {
    const g = broad();
    expect(g).toMatchObject({
      id: 'g_b',
      kind: 'broad',
      status: 'pending',
      reason: 'triage the backlog',
      level: 'write',
      requestedLevel: 'write',
      providers: ['linear', 'notion', 'snowflake'],
      requestedProviders: ['linear', 'notion', 'snowflake'],
      createdAt: T0,
      decideBy: T0 + WINDOW,
      requestedDurationMs: 30 * MINUTE,
      durationMs: 30 * MINUTE,
      approvedAt: null,
      expiresAt: null,
      uses: 0,
    });
    expect(g.history).toEqual([
      {
        status: 'pending',
        at: T0,
        by: expect.objectContaining({ type: 'assistant', via: 'mcp', name: 'claude-code' }),
      },
    ]);
    expect(grantVersion(g)).toBe(1);
  });

  it('propose at most the configured maximum duration but remember what was asked', () => {
    const g = broad({ durationMs: 3 * MAX });
    expect(g.requestedDurationMs).toBe(3 * MAX);
    expect(g.durationMs).toBe(MAX);
  });

  it('refuse an empty provider list: it means none, never all', () => {
    expect(() => broad({ providers: [] })).toThrow(GrantInputError);
    expect(() => broad({ providers: [' ', ''] })).toThrow(/empty list grants nothing/);
  });

  it('refuse a non-positive duration and an over-long reason', () => {
    expect(() => broad({ durationMs: 0 })).toThrow(GrantInputError);
    expect(() => broad({ reason: 'x'.repeat(2001) })).toThrow(/2000 characters/);
  });

  it('bind a per-request grant to its provider and exact call', () => {
    const g = request();
    expect(g).toMatchObject({
      kind: 'request',
      providers: ['linear'],
      level: 'write',
      durationMs: 5 * MINUTE,
    });
    expect(g.request).toEqual(requestInput.request);
  });
});

describe('approval', () => {
  it('starts the access clock at approval, not at request time', () => {
    const approvedAt = T0 + 4 * MINUTE;
    const g = ok(approve(broad(), {}, approvedAt));
    expect(g).toMatchObject({ status: 'approved', approvedAt, expiresAt: approvedAt + 30 * MINUTE });
    expect(g.decidedBy).toEqual(alice);
    expect(g.history.at(-1)).toEqual({
      status: 'approved',
      at: approvedAt,
      by: alice,
      note: 'write on linear, notion, snowflake for 30 minutes',
    });
  });

  it('lets the approver narrow providers, downgrade write to read and shorten the duration', () => {
    const g = ok(
      approve(broad(), {
        providers: ['notion', 'linear'],
        level: 'read',
        durationMs: 10 * MINUTE,
        instructions: ' only P1 ',
      }),
    );
    expect(g).toMatchObject({
      level: 'read',
      requestedLevel: 'write',
      providers: ['linear', 'notion'],
      requestedProviders: ['linear', 'notion', 'snowflake'],
      durationMs: 10 * MINUTE,
      expiresAt: T0 + MINUTE + 10 * MINUTE,
      instructions: 'only P1',
    });
    expect(g.history.at(-1)?.note).toBe(
      'read on linear, notion for 10 minutes (asked: write on linear, notion, snowflake)',
    );
  });

  it('lets the approver pick a longer duration, up to the configured maximum', () => {
    expect(ok(approve(broad(), { durationMs: MAX })).durationMs).toBe(MAX);
    expect(err(approve(broad(), { durationMs: MAX + 1 }))).toEqual({
      code: 'invalid',
      error: 'the duration must be between 1 second and 1 hour',
    });
    expect(err(approve(broad(), { durationMs: 999 })).code).toBe('invalid');
    expect(err(approve(broad(), { durationMs: 1.5 * 1000 + 0.5 })).code).toBe('invalid');
  });

  it('refuses to widen: unknown providers, read to write, an empty selection', () => {
    expect(err(approve(broad(), { providers: ['linear', 'github'] }))).toEqual({
      code: 'invalid',
      error:
        '"github" was not requested (requested: linear, notion, snowflake); an approval may only narrow the request',
    });
    expect(err(approve(broad({ level: 'read' }), { level: 'write' }))).toEqual({
      code: 'invalid',
      error: 'read access was requested; an approval cannot widen it to write',
    });
    expect(err(approve(broad(), { providers: [] })).error).toMatch(/empty selection grants nothing/);
  });

  it('refuses a per-request downgrade: the call needs the level it asked for', () => {
    expect(err(approve(request(), { level: 'read' })).error).toMatch(/needs write access/);
    expect(ok(approve(request())).expiresAt).toBe(T0 + MINUTE + 5 * MINUTE);
  });

  it('cleans instructions: trimmed, blank to null, at most 2000 characters', () => {
    expect(ok(approve(broad(), { instructions: '   ' })).instructions).toBeNull();
    expect(err(approve(broad(), { instructions: 'x'.repeat(2001) })).error).toMatch(/2000 characters/);
    expect(ok(approve(broad(), { instructions: 'x'.repeat(2000) })).instructions).toHaveLength(2000);
  });

  it('is a conflict once the grant is decided or its window has closed', () => {
    const approved = ok(approve(broad()));
    expect(err(approve(approved)).code).toBe('conflict');
    expect(err(approve(broad(), {}, T0 + WINDOW))).toEqual({
      code: 'conflict',
      error: 'the decision window has closed',
    });
  });
});

describe('other transitions', () => {
  it('deny records the reason and who decided', () => {
    const g = ok(applyDenial(broad(), alice, '  not today ', { now: T0 + 2 }));
    expect(g).toMatchObject({
      status: 'denied',
      statusReason: 'not today',
      decidedBy: alice,
      endedAt: T0 + 2,
    });
    expect(g.history.at(-1)).toEqual({ status: 'denied', at: T0 + 2, by: alice, note: 'not today' });
    expect(ok(applyDenial(broad(), alice, null, { now: T0 })).history.at(-1)).not.toHaveProperty('note');
  });

  it('cancel withdraws a pending request only', () => {
    expect(ok(applyCancel(broad(), assistant, { now: T0 + 1 })).status).toBe('cancelled');
    expect(err(applyCancel(ok(approve(broad())), assistant, { now: T0 + 1 })).code).toBe('conflict');
  });

  it('finish ends, revokes or releases an approved grant, and nothing else', () => {
    const approved = ok(approve(broad()));
    const revoked = ok(applyFinish(approved, 'revoked', alice, 'done here', { now: T0 + 2 * MINUTE }));
    expect(revoked).toMatchObject({ status: 'revoked', statusReason: 'done here', endedAt: T0 + 2 * MINUTE });
    expect(err(applyFinish(broad(), 'ended', alice, null, { now: T0 })).code).toBe('conflict');
    expect(err(applyFinish(revoked, 'released', assistant, null, { now: T0 })).code).toBe('conflict');
    // A cast caller must not reach 'consumed' through finish and skip consume's owner checks.
    const sneaky = applyFinish(approved, 'consumed' as 'ended', alice, null, { now: T0 });
    expect(err(sneaky).code).toBe('invalid');
  });

  it('finish can name the grant that replaced this one', () => {
    const approved = ok(approve(broad()));
    const ended = ok(
      applyFinish(approved, 'ended', alice, 'replaced by g_new', { now: T0 + 2, supersededBy: 'g_new' }),
    );
    expect(ended).toMatchObject({
      status: 'ended',
      supersededBy: 'g_new',
      statusReason: 'replaced by g_new',
    });
  });

  it('consume uses an approved per-request grant once, before it expires', () => {
    const approved = ok(approve(request()));
    const consumed = ok(applyConsume(approved, assistant, { now: T0 + 2 * MINUTE }));
    expect(consumed).toMatchObject({ status: 'consumed', endedAt: T0 + 2 * MINUTE });
    expect(err(applyConsume(consumed, assistant, { now: T0 + 2 * MINUTE })).code).toBe('conflict');
    expect(err(applyConsume(approved, assistant, { now: approved.expiresAt! })).code).toBe('conflict');
    expect(err(applyConsume(ok(approve(broad())), assistant, { now: T0 + 2 })).code).toBe('invalid');
  });

  it('supersede retires a pending request in favour of a newer one', () => {
    const g = ok(applySupersede(broad(), 'g_newer', { now: T0 + 3 }));
    expect(g).toMatchObject({ status: 'superseded', supersededBy: 'g_newer', endedAt: T0 + 3 });
    expect(g.history.at(-1)?.by).toEqual({ type: 'system', id: 'newer-request', via: 'system' });
  });

  it('every transition appends exactly one history entry (the version)', () => {
    const approved = ok(approve(broad()));
    const released = ok(applyFinish(approved, 'released', assistant, null, { now: T0 + 2 * MINUTE }));
    expect(released.history.map((h) => h.status)).toEqual(['pending', 'approved', 'released']);
    expect(grantVersion(released)).toBe(3);
  });
});

describe('extension', () => {
  /** Extends to `extraMs` past the grant's current end (the value an Extend option carries is that end). */
  const extend = (grant: Grant, extraMs: number, now = T0 + 2 * MINUTE) =>
    applyExtension(grant, alice, (grant.expiresAt ?? T0) + extraMs, { now, maxAccessMs: MAX });

  it('moves the end to the time chosen, records who and why, and moves the version', () => {
    const approved = ok(approve(broad()));
    const extended = ok(extend(approved, 15 * MINUTE));
    expect(extended.status).toBe('approved');
    expect(extended.expiresAt).toBe(approved.expiresAt! + 15 * MINUTE);
    expect(extended.durationMs).toBe(45 * MINUTE);
    expect(grantVersion(extended)).toBe(grantVersion(approved) + 1);
    expect(extended.history.at(-1)).toMatchObject({
      status: 'approved',
      by: alice,
      note: 'extended to 45 minutes in all',
    });
  });

  it('stops at the maximum from approval, and refuses once there', () => {
    const approved = ok(approve(broad()));
    const capped = ok(extend(approved, 10 * 60 * MINUTE));
    expect(capped.expiresAt).toBe(capped.approvedAt! + MAX);
    expect(err(extend(capped, MINUTE))).toMatchObject({
      code: 'invalid',
      error: expect.stringMatching(/maximum/),
    });
  });

  it('refuses pending, ended and finished grants, and steps under a second', () => {
    const approved = ok(approve(broad()));
    expect(err(extend(broad(), MINUTE)).code).toBe('conflict');
    expect(err(extend(approved, MINUTE, approved.expiresAt! + 1)).code).toBe('conflict');
    expect(
      err(extend(ok(applyFinish(approved, 'revoked', alice, null, { now: T0 + 2 * MINUTE })), MINUTE)).code,
    ).toBe('conflict');
    expect(err(extend(approved, 10)).code).toBe('invalid');
  });

  it('adds nothing when the same end is asked for again (a replayed or out-of-date choice)', () => {
    const approved = ok(approve(broad()));
    const until = approved.expiresAt! + 15 * MINUTE;
    const once = ok(applyExtension(approved, alice, until, { now: T0 + 2 * MINUTE, maxAccessMs: MAX }));
    expect(once.expiresAt).toBe(until);
    const again = err(applyExtension(once, alice, until, { now: T0 + 3 * MINUTE, maxAccessMs: MAX }));
    expect(again).toMatchObject({ code: 'invalid', error: expect.stringMatching(/nothing was added/) });
    const earlier = err(
      applyExtension(once, alice, until - MINUTE, { now: T0 + 3 * MINUTE, maxAccessMs: MAX }),
    );
    expect(earlier.code).toBe('invalid');
  });
});

describe('withClock', () => {
  it('leaves a grant alone before its deadlines', () => {
    const g = broad();
    expect(withClock(g, T0 + WINDOW - 1)).toEqual({ grant: g, transition: null });
  });

  it('reads a pending grant past its decision window as expired, stamped at the deadline', () => {
    const { grant, transition } = withClock(broad(), T0 + WINDOW + 12_345);
    expect(transition).toEqual({ from: 'pending', to: 'expired' });
    expect(grant).toMatchObject({ status: 'expired', endedAt: T0 + WINDOW });
    expect(grant.history.at(-1)).toEqual({
      status: 'expired',
      at: T0 + WINDOW,
      by: { type: 'system', id: 'decision-window', via: 'system' },
      note: 'no decision in time',
    });
  });

  it('reads an approved grant past expiresAt as ended', () => {
    const approved = ok(approve(broad(), { durationMs: 10 * MINUTE }));
    expect(withClock(approved, approved.expiresAt! - 1).transition).toBeNull();
    const { grant, transition } = withClock(approved, approved.expiresAt!);
    expect(transition).toEqual({ from: 'approved', to: 'ended' });
    expect(grant.history.at(-1)?.by.id).toBe('access-duration');
  });

  it('gives every reader the same record, whenever they look', () => {
    expect(withClock(broad(), T0 + WINDOW + 1).grant).toEqual(withClock(broad(), T0 + 2 * WINDOW).grant);
  });

  it('never touches a final grant', () => {
    const denied = ok(applyDenial(broad(), alice, null, { now: T0 }));
    expect(withClock(denied, T0 + 10 * WINDOW).transition).toBeNull();
  });
});
