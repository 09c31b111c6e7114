// The approval token: sealed for one grant and requester, readable until it expires, and expired ≠ invalid.
import { describe, expect, it } from 'vitest';
import { approvalUrl, issueApprovalToken, readApprovalToken } from '../../../src/web/approval-token.js';
import { seal } from '../../../src/web/sealed.js';

const secret = 'approval-secret-0123456789-0123456789-abc';
const now = Date.UTC(2026, 0, 15, 12, 0, 0);
const input = { grantId: 'grant_123', userId: 'user_alice', expiresAt: now + 5 * 60_000 };

describe('approval token', () => {
  it('reads back the grant and the requester, as often as it is read', async () => {
    const token = await issueApprovalToken(secret, input, now);
    expect(token.split('.')).toHaveLength(5);
    expect(await readApprovalToken(secret, token, now)).toEqual({
      grantId: 'grant_123',
      userId: 'user_alice',
    });
    expect(await readApprovalToken(secret, token, now + 60_000)).toEqual({
      grantId: 'grant_123',
      userId: 'user_alice',
    });
  });

  it('hides its contents: the ids are encrypted, not merely signed', async () => {
    const token = await issueApprovalToken(secret, input, now);
    const decoded = token
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
      .join(' ');
    expect(decoded).not.toContain('grant_123');
    expect(decoded).not.toContain('user_alice');
  });

  it('reads as expired (not invalid) after its time, still naming its grant', async () => {
    const token = await issueApprovalToken(secret, input, now);
    expect(await readApprovalToken(secret, token, input.expiresAt + 1000)).toEqual({
      error: 'expired',
      grantId: 'grant_123',
      userId: 'user_alice',
    });
  });

  it('is invalid under another secret, when altered, truncated or empty', async () => {
    const token = await issueApprovalToken(secret, input, now);
    const parts = token.split('.');
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    const altered = [...parts.slice(0, 3), flipped, parts[4]].join('.');
    for (const bad of [altered, token.slice(0, -4), '', 'not-a-token', 'a.b.c.d.e']) {
      expect(await readApprovalToken(secret, bad, now)).toEqual({ error: 'invalid' });
    }
    expect(await readApprovalToken('another-secret-0123456789-0123456789-xyz', token, now)).toEqual({
      error: 'invalid',
    });
  });

  it('refuses a value sealed for another purpose with the same secret, even once expired', async () => {
    const claims = { jti: 'grant_123', sub: 'user_alice' };
    const session = await seal(secret, 'session', claims, now + 60_000, now);
    expect(await readApprovalToken(secret, session, now)).toEqual({ error: 'invalid' });
    expect(await readApprovalToken(secret, session, now + 120_000)).toEqual({ error: 'invalid' });
  });

  it('builds the consent link with the token as its only parameter', async () => {
    const token = await issueApprovalToken(secret, input, now);
    const url = new URL(approvalUrl('https://countersign.example.com', token));
    expect(url.pathname).toBe('/approve');
    expect(url.searchParams.get('token')).toBe(token);
  });
});
