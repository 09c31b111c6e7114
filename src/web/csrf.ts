// Form-post protection: a per-session, per-grant HMAC token, plus a check that the post came from our origin.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** HMAC(cookie secret, session id + grant id): a stolen form from one sign-in or grant is no use for another. */
export function csrfToken(cookieSecret: string, sessionId: string, grantId: string): string {
  return createHmac('sha256', cookieSecret).update(`csrf\n${sessionId}\n${grantId}`).digest('base64url');
}

export function csrfMatches(
  cookieSecret: string,
  sessionId: string,
  grantId: string,
  given: unknown,
): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 128) return false;
  const expected = Buffer.from(csrfToken(cookieSecret, sessionId, grantId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Did this post come from a page of ours? A real Origin that differs is always a refusal. Then Sec-Fetch-Site:
 * browsers compute it from the real initiator whatever the referrer policy, whereas our
 * `Referrer-Policy: no-referrer` makes them send `Origin: null` on our own form posts. Without Fetch Metadata
 * (older browsers, plain-http hosts) a real Origin, then the Referer, must match PUBLIC_URL. No evidence at
 * all is a refusal too: the CSRF token is not meant to be the only lock.
 */
export function checkSameOrigin(req: Request, publicOrigin: string): OriginVerdict {
  const foreign: OriginVerdict = { ok: false, reason: 'the form was sent from another site' };
  const origin = header(req, 'origin');
  const realOrigin = origin !== undefined && origin !== 'null' ? origin : undefined;
  if (realOrigin !== undefined && realOrigin !== publicOrigin) return foreign;
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? { ok: true } : foreign;
  if (realOrigin !== undefined) return { ok: true };
  const referer = header(req, 'referer');
  if (referer !== undefined) return originOf(referer) === publicOrigin ? { ok: true } : foreign;
  return { ok: false, reason: 'the browser did not say which page the form came from' };
}
