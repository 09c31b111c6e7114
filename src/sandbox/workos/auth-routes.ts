// Stand-in sign-in: JWKS (W1), AuthKit metadata (W3), authorize (W5), authenticate (W6) and OAuth for MCP clients.
import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import type { StandInContext } from './context.js';
import { errorPage, signInPage } from './pages.js';
import { type PendingCode, type RefreshGrant, randomId, userJson } from './state.js';

const CODE_TTL_MS = 10 * 60_000;
const DEFAULT_SCOPE = 'openid profile email offline_access';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function oauthError(res: Response, error: string, description: string, status = 400): void {
  res.status(status).json({ error, error_description: description });
}

const invalidGrant = (res: Response, code: string) =>
  oauthError(res, 'invalid_grant', `The code '${code}' has expired or is invalid.`);

/** Why an authorize request cannot go on, or null. Checked before anyone is asked to sign in. */
function authorizeProblem(
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
  if (
    !/^https?:\/\/\S+$/i.test(redirectUri) ||
    (registeredRedirects && !registeredRedirects.includes(redirectUri))
  ) {
    return 'The redirect_uri is missing or not registered for this client.';
  }
  if (q.response_type !== 'code') return 'response_type must be "code".';
  // MCP clients are public clients: AuthKit insists on PKCE for them.
  if (kind === 'oauth2' && (!q.code_challenge || q.code_challenge_method !== 'S256')) {
    return 'PKCE with code_challenge_method=S256 is required.';
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
    const problem = authorizeProblem(kind, q, ctx.clientId, state.oauthClients.get(clientId));
    if (problem) {
      res.status(400).type('html').send(errorPage(problem));
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
  router.get('/user_management/authorize', authorize('user_management'));
  router.get('/oauth2/authorize', authorize('oauth2'));

  /** Takes a one-time code: gone after the first attempt, whether that attempt succeeds or not. */
  const takeCode = (
    res: Response,
    code: string,
    clientId: string,
    verifier: string | undefined,
  ): PendingCode | null => {
    const pending = state.codes.get(code);
    state.codes.delete(code);
    const verifierOk =
      pending?.codeChallenge == null ||
      (verifier !== undefined &&
        createHash('sha256').update(verifier).digest('base64url') === pending.codeChallenge);
    if (!pending || pending.expiresAt < Date.now() || pending.clientId !== clientId || !verifierOk) {
      invalidGrant(res, code);
      return null;
    }
    return pending;
  };

  const issue = async (grant: RefreshGrant) => {
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
    return { accessToken, refreshToken };
  };

  const takeRefresh = (res: Response, token: string, clientId: string): RefreshGrant | null => {
    const grant = state.refreshTokens.get(token);
    state.refreshTokens.delete(token);
    if (!grant || grant.clientId !== clientId) {
      oauthError(res, 'invalid_grant', 'The refresh token has expired or is invalid.');
      return null;
    }
    return grant;
  };

  router.post('/user_management/authenticate', async (req, res) => {
    const body = req.body ?? {};
    const clientId = text(body.client_id) ?? '';
    const secret = text(body.client_secret);
    if (clientId !== ctx.clientId) return oauthError(res, 'invalid_client', 'Invalid client ID.');
    if (secret !== undefined && secret !== ctx.apiKey)
      return oauthError(res, 'invalid_client', 'Invalid client secret.');
    let grant: RefreshGrant | null;
    if (body.grant_type === 'authorization_code') {
      const code = text(body.code) ?? '';
      const pending = takeCode(res, code, clientId, text(body.code_verifier));
      if (!pending) return;
      // A public client must prove possession with PKCE; a confidential one with its secret.
      if (secret === undefined && pending.codeChallenge === null) return invalidGrant(res, code);
      grant = { ...pending, sid: randomId('session'), kind: 'session' };
    } else if (body.grant_type === 'refresh_token') {
      grant = takeRefresh(res, text(body.refresh_token) ?? '', clientId);
      if (!grant) return;
    } else {
      return oauthError(res, 'unsupported_grant_type', 'Unsupported grant_type.');
    }
    const person = state.people.get(grant.userId);
    if (!person) return oauthError(res, 'invalid_grant', 'The user no longer exists.');
    const { accessToken, refreshToken } = await issue(grant);
    res.json({
      user: userJson(person),
      ...(grant.organizationId ? { organization_id: grant.organizationId } : {}),
      access_token: accessToken,
      refresh_token: refreshToken,
      authentication_method: 'Password',
    });
  });

  // Dynamic client registration, so MCP clients can sign in to a sandbox server as they would to AuthKit.
  router.post('/oauth2/register', (req, res) => {
    const uris = req.body?.redirect_uris;
    if (
      !Array.isArray(uris) ||
      uris.length === 0 ||
      !uris.every((u) => typeof u === 'string' && /^https?:\/\//i.test(u))
    ) {
      return oauthError(
        res,
        'invalid_redirect_uri',
        'redirect_uris must be a non-empty list of http(s) URLs.',
      );
    }
    const clientId = randomId('client');
    state.oauthClients.set(clientId, uris);
    res.status(201).json({
      client_id: clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      client_name: text(req.body?.client_name) ?? null,
      redirect_uris: uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  });

  router.post('/oauth2/token', async (req, res) => {
    const body = req.body ?? {};
    const clientId = text(body.client_id) ?? '';
    if (clientId !== ctx.clientId && !state.oauthClients.has(clientId)) {
      return oauthError(res, 'invalid_client', 'Unknown client_id.', 401);
    }
    let grant: RefreshGrant | null;
    if (body.grant_type === 'authorization_code') {
      const code = text(body.code) ?? '';
      const pending = takeCode(res, code, clientId, text(body.code_verifier));
      if (!pending) return;
      if (pending.codeChallenge === null || text(body.redirect_uri) !== pending.redirectUri)
        return invalidGrant(res, code);
      grant = {
        ...pending,
        sid: randomId('consent'),
        kind: 'oauth',
        resource: text(body.resource) ?? pending.resource,
      };
    } else if (body.grant_type === 'refresh_token') {
      grant = takeRefresh(res, text(body.refresh_token) ?? '', clientId);
      if (!grant) return;
    } else {
      return oauthError(res, 'unsupported_grant_type', 'Unsupported grant_type.');
    }
    const { accessToken, refreshToken } = await issue(grant);
    const { exp = 0, iat = 0 } = decodeJwt(accessToken);
    res.set('cache-control', 'no-store').json({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: exp - iat,
      refresh_token: refreshToken,
      scope: grant.scope,
    });
  });

  return router;
}
