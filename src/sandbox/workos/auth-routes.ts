// Stand-in sign-in: JWKS (W1), AuthKit metadata (W3), authorize (W5 and /oauth2 for MCP clients), authenticate (W6).
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { localBrowserOnly } from '../local-browser.js';
import type { StandInContext } from './context.js';
import { validResource } from './oauth-routes.js';
import { errorPage, signInPage } from './pages.js';
import { type RefreshGrant, randomId, userJson } from './state.js';
import { CODE_TTL_MS, invalidGrant, oauthError, text, tokenGrants } from './token-grants.js';

const DEFAULT_SCOPE = 'openid profile email offline_access';

/**
 * The pages that sign in or connect as anyone without a password: only for a browser on this machine, by a
 * loopback name, never through a proxy or tunnel (PUBLIC_URL on a tunnel must not open them to the world). The
 * token, JWKS, metadata and registration endpoints stay open: they hand out nothing without a code from here.
 */
export const localBrowserPage = localBrowserOnly(
  (res) =>
    void res
      .status(403)
      .type('html')
      .send(errorPage('The sandbox sign-in answers only a browser on this machine, at a loopback address.')),
);

/** Why an authorize request cannot go on, or null. Checked before anyone is asked to sign in. */
/**
 * Why the client or its redirect_uri cannot be trusted, or null. Shown on a page, never redirected (RFC 6749
 * §4.1.2.1: an unverified redirect_uri must not receive anything).
 */
function clientProblem(
  kind: 'user_management' | 'oauth2',
  q: Record<string, string>,
  environmentClientId: string,
  registeredRedirects: string[] | undefined,
): string | null {
  const clientId = q.client_id ?? '';
  if (clientId !== environmentClientId && (kind !== 'oauth2' || registeredRedirects === undefined)) {
    return `Unknown client_id "${clientId}".`;
  }
  const redirectUri = q.redirect_uri ?? '';
  // Exact string match with a registered URI: no prefix, no port or path leeway.
  if (
    !/^https?:\/\/\S+$/i.test(redirectUri) ||
    (registeredRedirects && !registeredRedirects.includes(redirectUri))
  ) {
    return 'The redirect_uri is missing or not registered for this client.';
  }
  return null;
}

/** Why a trusted client's request is refused: an RFC 6749 error code and a description, or null. */
function requestProblem(
  kind: 'user_management' | 'oauth2',
  q: Record<string, string>,
): { error: string; description: string } | null {
  if (q.response_type !== 'code') {
    return { error: 'unsupported_response_type', description: 'response_type must be "code".' };
  }
  // MCP clients are public clients: AuthKit insists on PKCE (S256 only) for them.
  if (kind === 'oauth2' && (!q.code_challenge || q.code_challenge_method !== 'S256')) {
    return { error: 'invalid_request', description: 'PKCE with code_challenge_method=S256 is required.' };
  }
  if (q.code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) {
    return { error: 'invalid_request', description: 'code_challenge must be a base64url SHA-256 digest.' };
  }
  if (q.resource !== undefined && !validResource(q.resource)) {
    return { error: 'invalid_target', description: 'resource must be an absolute URI without a fragment.' };
  }
  return null;
}

export function authRoutes(ctx: StandInContext): Router {
  const router = express.Router();
  const { state, signer } = ctx;
  const jwks = (_req: Request, res: Response) => void res.json(signer.jwks());

  // Browser-based MCP clients (e.g. the MCP Inspector) register and swap codes from a page, as AuthKit allows.
  router.use(['/oauth2', '/.well-known'], (req, res, next) => {
    res.set({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version',
    });
    if (req.method === 'OPTIONS') res.status(204).end();
    else next();
  });

  router.get('/sso/jwks/:clientId', (req, res) => {
    if (req.params.clientId !== ctx.clientId) {
      res.status(404).json({ message: `Client not found: '${req.params.clientId}'.` });
      return;
    }
    jwks(req, res);
  });
  router.get('/oauth2/jwks', jwks);

  // AuthKit's document (W3) minus what the stand-in does not implement, so no client is sent down a path that
  // fails: introspection, the device flow, client ID metadata documents and client-secret authentication.
  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    const base = ctx.baseUrl();
    res.json({
      issuer: ctx.issuer,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      registration_endpoint: `${base}/oauth2/register`,
      jwks_uri: `${base}/oauth2/jwks`,
      scopes_supported: ['email', 'offline_access', 'openid', 'profile'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });

  /**
   * W5 (`user_management`, our own web sign-in) and AuthKit's `/oauth2/authorize` (MCP clients, PKCE
   * required). A known `login_hint` signs in at once; otherwise the page lists the sandbox people.
   */
  const authorize = (kind: 'user_management' | 'oauth2') => (req: Request, res: Response) => {
    const q: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string') q[name] = value;
    const clientId = q.client_id ?? '';
    const redirectUri = q.redirect_uri ?? '';
    const problem = clientProblem(kind, q, ctx.clientId, state.oauthClients.get(clientId)?.redirectUris);
    if (problem) {
      res.status(400).type('html').send(errorPage(problem));
      return;
    }
    const refusal = requestProblem(kind, q);
    if (refusal && kind === 'user_management') {
      res.status(400).type('html').send(errorPage(refusal.description));
      return;
    }
    if (refusal) {
      // The client and its redirect_uri are known: the error goes back to it (RFC 6749 §4.1.2.1).
      const target = new URL(redirectUri);
      target.searchParams.set('error', refusal.error);
      target.searchParams.set('error_description', refusal.description);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      res.redirect(302, target.toString());
      return;
    }
    const person = q.login_hint ? state.personByEmail(q.login_hint) : undefined;
    if (!person) {
      res.type('html').send(signInPage(req.path, q, [...state.people.values()]));
      return;
    }
    const code = randomBytes(20).toString('base64url');
    state.codes.set(code, {
      userId: person.id,
      organizationId: person.organizationId,
      clientId,
      redirectUri,
      codeChallenge: q.code_challenge ?? null,
      resource: q.resource ?? null,
      scope: q.scope ?? DEFAULT_SCOPE,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    res.redirect(302, target.toString());
  };
  router.get('/user_management/authorize', localBrowserPage, authorize('user_management'));
  router.get('/oauth2/authorize', localBrowserPage, authorize('oauth2'));

  const { takeCode, issue, takeRefresh } = tokenGrants(ctx);

  router.post('/user_management/authenticate', async (req, res) => {
    const body = req.body ?? {};
    const clientId = text(body.client_id) ?? '';
    const secret = text(body.client_secret);
    if (clientId !== ctx.clientId) return oauthError(res, 'invalid_client', 'Invalid client ID.');
    if (secret !== undefined && secret !== ctx.apiKey)
      return oauthError(res, 'invalid_client', 'Invalid client secret.');
    let grant: RefreshGrant | null;
    let spentCode: string | undefined;
    if (body.grant_type === 'authorization_code') {
      const code = text(body.code) ?? '';
      const pending = takeCode(res, code, clientId, text(body.code_verifier));
      if (!pending) return;
      // A public client must prove possession with PKCE; a confidential one with its secret.
      if (secret === undefined && pending.codeChallenge === null) return invalidGrant(res, code);
      grant = { ...pending, sid: randomId('session'), kind: 'session' };
      spentCode = code;
    } else if (body.grant_type === 'refresh_token') {
      grant = takeRefresh(res, text(body.refresh_token) ?? '', clientId);
      if (!grant) return;
    } else {
      return oauthError(res, 'unsupported_grant_type', 'Unsupported grant_type.');
    }
    const person = state.people.get(grant.userId);
    if (!person) return oauthError(res, 'invalid_grant', 'The user no longer exists.');
    const { accessToken, refreshToken } = await issue(grant, spentCode);
    res.json({
      user: userJson(person),
      ...(grant.organizationId ? { organization_id: grant.organizationId } : {}),
      access_token: accessToken,
      refresh_token: refreshToken,
      authentication_method: 'Password',
    });
  });

  return router;
}
