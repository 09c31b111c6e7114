// What both token endpoints share: OAuth error bodies, one-time codes with PKCE, and access/refresh token issue.
import { createHash, randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { StandInContext } from './context.js';
import type { PendingCode, RefreshGrant } from './state.js';

/** RFC 6749 §4.1.2 recommends at most 10 minutes; the code is also single-use. */
export const CODE_TTL_MS = 10 * 60_000;

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** An RFC 6749 §5.2 error body, as AuthKit sends it. */
export function oauthError(res: Response, error: string, description: string, status = 400): void {
  res.status(status).set('cache-control', 'no-store').json({ error, error_description: description });
}

export const invalidGrant = (res: Response, code: string) =>
  oauthError(res, 'invalid_grant', `The code '${code}' has expired or is invalid.`);

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)); a verifier is 43-128 unreserved characters. */
export function pkceMatches(verifier: string | undefined, challenge: string): boolean {
  return (
    verifier !== undefined &&
    /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) &&
    createHash('sha256').update(verifier).digest('base64url') === challenge
  );
}

export function tokenGrants(ctx: StandInContext) {
  const { state, signer } = ctx;

  /**
   * Takes a one-time code: gone after the first attempt, whether that attempt succeeds or not. A code that was
   * already spent also revokes the refresh token it gave (RFC 6749 §4.1.2: a replayed code may be stolen).
   */
  const takeCode = (
    res: Response,
    code: string,
    clientId: string,
    verifier: string | undefined,
  ): PendingCode | null => {
    const pending = state.codes.get(code);
    state.codes.delete(code);
    const spent = state.spentCodes.get(code);
    if (spent) {
      state.spentCodes.delete(code);
      if (state.refreshTokens.delete(spent)) state.onOAuthChange();
    }
    const verifierOk = pending?.codeChallenge == null || pkceMatches(verifier, pending.codeChallenge);
    if (!pending || pending.expiresAt < Date.now() || pending.clientId !== clientId || !verifierOk) {
      invalidGrant(res, code);
      return null;
    }
    return pending;
  };

  const issue = async (grant: RefreshGrant, fromCode?: string) => {
    const accessToken = await signer.sign({
      sub: grant.userId,
      sid: grant.sid,
      orgId: grant.organizationId,
      clientId: grant.clientId,
      scope: grant.scope,
      issuer: ctx.issuer,
      // W2.2: an OAuth token is bound to the resource asked for, else to the environment's client id.
      audience: grant.kind === 'oauth' ? (grant.resource ?? ctx.clientId) : undefined,
      expiresIn: ctx.accessTokenTtl,
    });
    const refreshToken = randomBytes(24).toString('base64url');
    state.refreshTokens.set(refreshToken, grant);
    if (fromCode) state.rememberSpentCode(fromCode, refreshToken, Date.now() + CODE_TTL_MS);
    state.onOAuthChange();
    return { accessToken, refreshToken };
  };

  /** Refresh tokens rotate: the one presented is gone, whatever the outcome. */
  const takeRefresh = (res: Response, token: string, clientId: string): RefreshGrant | null => {
    const grant = state.refreshTokens.get(token);
    if (state.refreshTokens.delete(token)) state.onOAuthChange();
    if (!grant || grant.clientId !== clientId) {
      oauthError(res, 'invalid_grant', 'The refresh token has expired or is invalid.');
      return null;
    }
    return grant;
  };

  return { takeCode, issue, takeRefresh };
}
