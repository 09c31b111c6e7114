// Specification of who may decide a grant: self-approval up to SELF_APPROVE, approvers for everyone else.
import { describe, expect, it } from 'vitest';
import { type ApprovalPolicy, mayDecide } from '../../../src/grants/policy.js';

const grant = { owner: { sid: 's', organizationId: null, userId: 'user_req', userEmail: 'Req@Example.com' } };
const policy = (selfApprove: ApprovalPolicy['selfApprove'], approverEmails = ['Boss@Example.com']) => ({
  selfApprove,
  approverEmails,
});
const requester = { userId: 'user_req' };
const boss = { email: 'boss@example.COM' };

describe('the requester', () => {
  it('may approve up to SELF_APPROVE', () => {
    expect(mayDecide(grant, requester, policy('write'), 'write')).toEqual({ ok: true, as: 'requester' });
    expect(mayDecide(grant, requester, policy('read'), 'read')).toEqual({ ok: true, as: 'requester' });
  });

  it('may take a write request downgraded to read when SELF_APPROVE is read', () => {
    expect(mayDecide(grant, requester, policy('read'), 'write')).toEqual({
      ok: false,
      reason: 'you may approve your own requests up to read access; write access needs another approver',
    });
    expect(mayDecide(grant, requester, policy('read'), 'read').ok).toBe(true);
  });

  it('may not approve at all when SELF_APPROVE is none, but may always deny', () => {
    expect(mayDecide(grant, requester, policy('none'), 'read')).toEqual({
      ok: false,
      reason: 'you cannot approve your own requests; an approver has to',
    });
    expect(mayDecide(grant, requester, policy('none'), 'deny')).toEqual({ ok: true, as: 'requester' });
  });

  it('is recognised by email too (a Slack click carries no WorkOS id), case-insensitively', () => {
    expect(mayDecide(grant, { email: ' req@example.com ' }, policy('none'), 'read').ok).toBe(false);
    expect(mayDecide(grant, { email: 'REQ@example.com' }, policy('read'), 'read')).toEqual({
      ok: true,
      as: 'requester',
    });
  });

  it('is never their own approver above SELF_APPROVE, even when listed as an approver', () => {
    const listed = policy('read', ['req@example.com']);
    expect(mayDecide(grant, { userId: 'user_req', email: 'req@example.com' }, listed, 'write').ok).toBe(
      false,
    );
    expect(mayDecide(grant, { email: 'req@example.com' }, listed, 'write').ok).toBe(false);
  });
});

describe('approvers', () => {
  it('may decide anyone else’s request, emails compared case-insensitively', () => {
    expect(mayDecide(grant, boss, policy('none'), 'write')).toEqual({ ok: true, as: 'approver' });
    expect(mayDecide(grant, { userId: 'user_boss', ...boss }, policy('none'), 'deny')).toEqual({
      ok: true,
      as: 'approver',
    });
  });
});

describe('anyone else', () => {
  it('is refused with a clear reason', () => {
    const refusal = {
      ok: false,
      reason: 'only the requester or a configured approver may decide this request',
    };
    expect(mayDecide(grant, { userId: 'user_x', email: 'x@example.com' }, policy('write'), 'read')).toEqual(
      refusal,
    );
    expect(mayDecide(grant, { email: 'x@example.com' }, policy('write'), 'deny')).toEqual(refusal);
    expect(mayDecide(grant, { userId: 'user_x' }, policy('write', []), 'read')).toEqual(refusal);
  });

  it('is not told the requester could approve what the requester may not (write above SELF_APPROVE)', () => {
    expect(mayDecide(grant, { email: 'x@example.com' }, policy('read'), 'write')).toEqual({
      ok: false,
      reason: 'only a configured approver may approve write access on this request',
    });
    expect(mayDecide(grant, { email: 'x@example.com' }, policy('none'), 'read')).toEqual({
      ok: false,
      reason: 'only a configured approver may approve read access on this request',
    });
  });

  it('is refused when we cannot tell who is clicking', () => {
    expect(mayDecide(grant, {}, policy('write'), 'deny').ok).toBe(false);
    expect(mayDecide(grant, { email: '  ' }, policy('write', ['']), 'read').ok).toBe(false);
  });
});
