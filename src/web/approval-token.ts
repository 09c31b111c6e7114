// The capability in a consent link: which grant, for which requester, until when. Sealed with its own secret.
import { seal, unseal } from './sealed.js';

const AUDIENCE = 'approve';

export interface ApprovalTokenInput {
  grantId: string;
  /** The requester's WorkOS user id; checked against the grant's owner so a token cannot be moved. */
  userId: string;
  /** Epoch ms after which the link reads as expired (normally the grant's decide-by time). */
  expiresAt: number;
}

export type ApprovalTokenRead =
  | { grantId: string; userId: string }
  | { error: 'invalid' }
  /** Still names the grant, so a person can be shown what became of it; it can no longer decide anything. */
  | { error: 'expired'; grantId: string; userId: string };

/**
 * Issues the token for `/approve?token=`. It is not single-use by itself: viewing the page or a refused
 * submission leaves it valid, and only the grant's own pending→decided compare-and-set makes it spent.
 */
export function issueApprovalToken(secret: string, input: ApprovalTokenInput, now?: number): Promise<string> {
  return seal(secret, AUDIENCE, { jti: input.grantId, sub: input.userId }, input.expiresAt, now);
}

export async function readApprovalToken(
  secret: string,
  token: string,
  now?: number,
): Promise<ApprovalTokenRead> {
  const opened = await unseal(secret, AUDIENCE, token, now);
  if (!opened.ok && opened.error === 'invalid') return { error: 'invalid' };
  const { jti, sub } = opened.claims;
  if (typeof jti !== 'string' || !jti || typeof sub !== 'string' || !sub) return { error: 'invalid' };
  return !opened.ok ? { error: 'expired', grantId: jti, userId: sub } : { grantId: jti, userId: sub };
}

/** The link people open; the token is URL-safe base64 segments, encoded anyway to stay correct if that changes. */
export function approvalUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/approve?token=${encodeURIComponent(token)}`;
}
