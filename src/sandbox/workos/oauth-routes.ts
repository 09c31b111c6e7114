// AuthKit's OAuth endpoints for MCP clients: dynamic client registration (RFC 7591) and the token endpoint.
import express, { type Router } from 'express';
import { decodeJwt } from 'jose';
import type { StandInContext } from './context.js';
import { type RefreshGrant, randomId } from './state.js';
import { invalidGrant, oauthError, text, tokenGrants } from './token-grants.js';

/** RFC 8707 §2: an absolute URI without a fragment. */
export function validResource(resource: string): boolean {
  try {
    return new URL(resource).hash === '' && !resource.includes('#');
  } catch {
    return false;
  }
}

const listOf = (value: unknown): string[] | null =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;

export function oauthRoutes(ctx: StandInContext): Router {
  const router = express.Router();
  const { state } = ctx;
  const { takeCode, issue, takeRefresh } = tokenGrants(ctx);

  // Public clients only (`none`, PKCE): what MCP clients such as Claude Code register as.
  router.post('/oauth2/register', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const uris = listOf(body.redirect_uris);
    if (!uris || uris.length === 0 || !uris.every((u) => /^https?:\/\/[^\s#]+$/i.test(u))) {
      return oauthError(
        res,
        'invalid_redirect_uri',
        'redirect_uris must be a non-empty list of http(s) URLs.',
      );
    }
    const method = body.token_endpoint_auth_method;
    if (method !== undefined && method !== 'none') {
      return oauthError(
        res,
        'invalid_client_metadata',
        'token_endpoint_auth_method must be "none" (a public client using PKCE).',
      );
    }
    const grantTypes = body.grant_types === undefined ? ['authorization_code'] : listOf(body.grant_types);
    if (!grantTypes?.every((g) => g === 'authorization_code' || g === 'refresh_token')) {
      return oauthError(
        res,
        'invalid_client_metadata',
        'grant_types may hold only authorization_code and refresh_token.',
      );
    }
    const responseTypes = body.response_types === undefined ? ['code'] : listOf(body.response_types);
    if (!responseTypes?.every((r) => r === 'code')) {
      return oauthError(res, 'invalid_client_metadata', 'response_types may hold only "code".');
    }
    const clientId = randomId('client');
    const client = {
      redirectUris: uris,
      clientName: text(body.client_name) ?? null,
      issuedAt: Math.floor(Date.now() / 1000),
    };
    state.oauthClients.set(clientId, client);
    state.onOAuthChange();
    res
      .status(201)
      .set('cache-control', 'no-store')
      .json({
        client_id: clientId,
        client_id_issued_at: client.issuedAt,
        client_name: client.clientName,
        redirect_uris: uris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
  });

  router.post('/oauth2/token', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clientId = text(body.client_id) ?? '';
    if (clientId !== ctx.clientId && !state.oauthClients.has(clientId)) {
      return oauthError(res, 'invalid_client', 'Unknown client_id.', 401);
    }
    const resource = text(body.resource);
    if (resource !== undefined && !validResource(resource)) {
      return oauthError(res, 'invalid_target', 'resource must be an absolute URI without a fragment.');
    }
    let grant: RefreshGrant | null;
    let code: string | undefined;
    if (body.grant_type === 'authorization_code') {
      code = text(body.code);
      if (!code) return oauthError(res, 'invalid_request', 'code is required.');
      const pending = takeCode(res, code, clientId, text(body.code_verifier));
      if (!pending) return;
      // A public client proves possession with PKCE, and repeats the exact redirect_uri (RFC 6749 §4.1.3).
      if (pending.codeChallenge === null || text(body.redirect_uri) !== pending.redirectUri)
        return invalidGrant(res, code);
      // The token is for the resource the person consented to, never one swapped in at exchange time.
      if (resource !== undefined && pending.resource !== null && resource !== pending.resource) {
        return oauthError(res, 'invalid_target', 'resource differs from the one authorized.');
      }
      grant = { ...pending, sid: randomId('consent'), kind: 'oauth', resource: resource ?? pending.resource };
    } else if (body.grant_type === 'refresh_token') {
      const refreshToken = text(body.refresh_token);
      if (!refreshToken) return oauthError(res, 'invalid_request', 'refresh_token is required.');
      grant = takeRefresh(res, refreshToken, clientId);
      if (!grant) return;
      if (resource !== undefined && grant.resource !== null && resource !== grant.resource) {
        return oauthError(res, 'invalid_grant', 'The refresh token is bound to another resource.');
      }
    } else if (body.grant_type === undefined) {
      return oauthError(res, 'invalid_request', 'grant_type is required.');
    } else {
      return oauthError(res, 'unsupported_grant_type', 'Unsupported grant_type.');
    }
    const { accessToken, refreshToken } = await issue(grant, code);
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
