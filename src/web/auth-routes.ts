// AuthKit browser sign-in for the consent pages: /auth/sign-in, /auth/callback, /auth/sign-out, /auth/session.
import { randomBytes } from 'node:crypto';
import type { WorkOS } from '@workos-inc/node';
import type { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import {
  clearCookie,
  cookieName,
  endSession,
  readCookie,
  readSession,
  setCookie,
  startSession,
} from './browser-session.js';
import { checkSameOrigin } from './csrf.js';
import { forbiddenPage, sessionPage, signedOutPage, signInFailedPage } from './pages/notices.js';
import { type PublicSite, pageContext, securityHeaders, sendPage } from './respond.js';
import { seal, unseal } from './sealed.js';

/** The two SDK calls sign-in needs; a full `WorkOS` instance fits. */
export interface WorkosSignIn {
  userManagement: Pick<WorkOS['userManagement'], 'getAuthorizationUrl' | 'authenticateWithCode'>;
}

export interface AuthRouteDeps {
  config: Config;
  site: PublicSite;
  workos: WorkosSignIn;
  logger: Logger;
  now: () => number;
}

/** Time to finish signing in at AuthKit; the state cookie is useless after it. */
const SIGN_IN_TTL_MS = 10 * 60 * 1000;
const SIGN_IN_AUDIENCE = 'sign-in';
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * A same-origin, relative path (with query) or null. Browsers treat `\` like `/`, so `/\evil.com` and
 * `//evil.com` are protocol-relative URLs to another host: both are refused, as are control characters.
 */
export function safeReturnTo(value: unknown, site: PublicSite): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) return null;
  if (!value.startsWith('/') || value.startsWith('//') || hasUnsafeCharacter(value)) return null;
  try {
    const url = new URL(value, site.origin);
    return url.origin === site.origin ? `${url.pathname}${url.search}` : null;
  } catch {
    return null;
  }
}

function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c /* backslash */) return true;
  }
  return false;
}

export function signInPath(site: PublicSite, returnTo: string): string {
  return `${site.basePath}/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
}

const signInQuery = z.object({
  returnTo: z.string().optional(),
  // Optional pre-fill for AuthKit's email field; a malformed hint is dropped rather than failing the sign-in.
  login_hint: z.email().max(254).optional().catch(undefined),
});

const callbackQuery = z.object({
  code: z.string().min(1).max(512).optional(),
  state: z.string().max(128).optional(),
  error: z.string().max(100).optional(),
});

interface SignInState {
  state: string;
  returnTo: string;
}

export function registerAuthRoutes(router: Router, deps: AuthRouteDeps): void {
  const { config, site, workos, logger } = deps;
  const secret = config.secrets.cookie;
  const landing = `${site.basePath}/auth/session`;
  // One cookie per sign-in attempt, named by its state, so two tabs signing in at once do not clobber each other.
  const stateCookie = (state: string) => cookieName(site, `cs_signin_${state}`);

  router.get('/auth/sign-in', securityHeaders, async (req, res) => {
    const now = deps.now();
    const query = signInQuery.safeParse(req.query);
    const returnTo = (query.success && safeReturnTo(query.data.returnTo, site)) || landing;
    const loginHint = query.success ? query.data.login_hint : undefined;
    const state = randomBytes(16).toString('base64url');
    const sealed = await seal(secret, SIGN_IN_AUDIENCE, { state, returnTo }, now + SIGN_IN_TTL_MS, now);
    setCookie(res, site, stateCookie(state), sealed, SIGN_IN_TTL_MS);
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId: config.workos.clientId,
      redirectUri: config.workos.redirectUri,
      state,
      ...(loginHint ? { loginHint } : {}),
    });
    res.redirect(302, url);
  });

  router.get('/auth/callback', securityHeaders, async (req, res) => {
    const now = deps.now();
    const ctx = pageContext(site, null, now);
    const retry = `${site.basePath}/auth/sign-in`;
    const query = callbackQuery.safeParse(req.query);
    if (!query.success)
      return sendPage(res, 400, signInFailedPage(ctx, 'The sign-in response was malformed.', retry));
    const { code, state, error } = query.data;
    if (error) {
      return sendPage(res, 400, signInFailedPage(ctx, `AuthKit did not sign you in (${error}).`, retry));
    }
    if (!state || !STATE_PATTERN.test(state) || !code) {
      return sendPage(res, 400, signInFailedPage(ctx, 'The sign-in response was incomplete.', retry));
    }
    const sealed = readCookie(req, stateCookie(state));
    clearCookie(res, site, stateCookie(state));
    const opened = sealed ? await unseal<Partial<SignInState>>(secret, SIGN_IN_AUDIENCE, sealed, now) : null;
    if (
      !opened ||
      'error' in opened ||
      opened.claims.state !== state ||
      typeof opened.claims.returnTo !== 'string'
    ) {
      const message = 'This sign-in was not started in this browser, or took longer than 10 minutes.';
      return sendPage(res, 400, signInFailedPage(ctx, message, retry));
    }
    const returnTo = safeReturnTo(opened.claims.returnTo, site) ?? landing;

    let user: Awaited<ReturnType<WorkosSignIn['userManagement']['authenticateWithCode']>>['user'];
    try {
      ({ user } = await workos.userManagement.authenticateWithCode({
        clientId: config.workos.clientId,
        code,
      }));
    } catch (err) {
      const status = (err as { status?: number }).status;
      logger.warn({ err, status }, 'AuthKit code exchange failed');
      const clientError = typeof status === 'number' && status >= 400 && status < 500;
      const message = clientError
        ? 'The sign-in code was refused; it may have been used already.'
        : 'The sign-in service did not answer.';
      return sendPage(
        res,
        clientError ? 400 : 502,
        signInFailedPage(ctx, message, signInPath(site, returnTo)),
      );
    }
    await startSession(res, site, secret, user, now);
    logger.info({ userId: user.id }, 'web sign-in');
    res.redirect(303, returnTo);
  });

  router.post('/auth/sign-out', securityHeaders, async (req, res) => {
    const ctx = pageContext(site, await readSession(req, site, secret, deps.now()), deps.now());
    const origin = checkSameOrigin(req, site.origin);
    // Sign-out changes little, but a cross-site post must still not be able to do it.
    if (!origin.ok) return sendPage(res, 403, forbiddenPage(ctx, `Sign-out refused: ${origin.reason}.`));
    endSession(res, site);
    sendPage(res, 200, signedOutPage({ ...ctx, viewer: null }));
  });

  router.get('/auth/session', securityHeaders, async (req, res) => {
    const now = deps.now();
    sendPage(res, 200, sessionPage(pageContext(site, await readSession(req, site, secret, now), now)));
  });
}
