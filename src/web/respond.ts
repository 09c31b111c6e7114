// How every consent and sign-in response goes out: security headers, no caching, and the page context.
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import type { BrowserSession } from './browser-session.js';
import type { PageContext } from './pages/layout.js';

/**
 * Pages carry only inline CSS, post only to ourselves and are never framed (no clickjacking of the
 * Approve button). `no-referrer` keeps the token in the URL out of any Referer; it also makes browsers
 * send `Origin: null` on our own form posts, which is why the origin check reads Sec-Fetch-Site first.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set(SECURITY_HEADERS);
  next();
}

export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').send(page);
}

/** Where we live as seen by the browser: PUBLIC_URL's origin and its path prefix (usually ''). */
export interface PublicSite {
  origin: string;
  basePath: string;
  secure: boolean;
}

export function publicSite(config: Pick<Config, 'publicUrl'>): PublicSite {
  const url = new URL(config.publicUrl);
  return {
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    secure: url.protocol === 'https:',
  };
}

export function pageContext(site: PublicSite, session: BrowserSession | null, now: number): PageContext {
  return {
    now,
    basePath: site.basePath,
    viewer: session ? { email: session.email, name: session.name } : null,
  };
}
