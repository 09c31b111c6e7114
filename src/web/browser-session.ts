// The browser sign-in session: a sealed cookie holding who signed in through AuthKit, for 8 hours.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { PublicSite } from './respond.js';
import { seal, unseal } from './sealed.js';

/** Long enough for a working day of approvals, short enough that a forgotten browser does not stay trusted. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const SESSION_AUDIENCE = 'session';

export interface BrowserSession {
  /** Random per sign-in: CSRF tokens are bound to it, so signing out invalidates every open form. */
  sid: string;
  userId: string;
  email: string;
  /** As WorkOS reports it; an unverified email must not make anyone an approver. */
  emailVerified: boolean;
  name: string | null;
}

export interface SignedInUser {
  id: string;
  email: string;
  emailVerified?: boolean;
  firstName?: string | null;
  lastName?: string | null;
}

/** `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/; only on https. */
export function cookieName(site: PublicSite, base: string): string {
  return site.secure ? `__Host-${base}` : base;
}

export function sessionCookieName(site: PublicSite): string {
  return cookieName(site, 'cs_session');
}

/** Reads one cookie from the header; a tiny parser instead of a middleware, as only these routes need it. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function setCookie(
  res: Response,
  site: PublicSite,
  name: string,
  value: string,
  maxAgeMs: number,
): void {
  res.cookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: site.secure,
    path: '/',
    maxAge: maxAgeMs,
  });
}

export function clearCookie(res: Response, site: PublicSite, name: string): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure: site.secure, path: '/' });
}

export async function readSession(
  req: Request,
  site: PublicSite,
  cookieSecret: string,
  now: number = Date.now(),
): Promise<BrowserSession | null> {
  const sealed = readCookie(req, sessionCookieName(site));
  if (!sealed) return null;
  const opened = await unseal<Partial<BrowserSession>>(cookieSecret, SESSION_AUDIENCE, sealed, now);
  if (!opened.ok) return null;
  const { sid, userId, email, emailVerified, name } = opened.claims;
  if (typeof sid !== 'string' || typeof userId !== 'string' || typeof email !== 'string') return null;
  return {
    sid,
    userId,
    email,
    emailVerified: emailVerified === true,
    name: typeof name === 'string' ? name : null,
  };
}

export async function startSession(
  res: Response,
  site: PublicSite,
  cookieSecret: string,
  user: SignedInUser,
  now: number = Date.now(),
): Promise<BrowserSession> {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || null;
  const session: BrowserSession = {
    sid: randomBytes(16).toString('base64url'),
    userId: user.id,
    email: user.email,
    emailVerified: user.emailVerified === true,
    name,
  };
  const sealed = await seal(cookieSecret, SESSION_AUDIENCE, { ...session }, now + SESSION_TTL_MS, now);
  setCookie(res, site, sessionCookieName(site), sealed, SESSION_TTL_MS);
  return session;
}

export function endSession(res: Response, site: PublicSite): void {
  clearCookie(res, site, sessionCookieName(site));
}
