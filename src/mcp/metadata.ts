// OAuth discovery documents: our protected-resource metadata (RFC 9728) and the AuthKit server's (RFC 8414).
import { Router } from 'express';
import type { Config } from '../config.js';

/** The metadata URL named in every 401 challenge. */
export function resourceMetadataUrl(publicUrl: string): string {
  return `${publicUrl}/.well-known/oauth-protected-resource/mcp`;
}

export function createMetadataRouter(config: Pick<Config, 'publicUrl' | 'auth'>): Router {
  const router = Router();
  const issuer = config.auth.authorizationServer;

  const protectedResource = (suffix: string) => ({
    resource: `${config.publicUrl}${suffix}`,
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    resource_name: 'Countersign',
  });

  const authorizationServer = {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    registration_endpoint: `${issuer}/oauth2/register`,
    jwks_uri: config.auth.jwksUrl,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
  };

  router.use('/.well-known', (_req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Cache-Control', 'public, max-age=300');
    next();
  });
  router.get('/.well-known/oauth-protected-resource', (_req, res) => {
    res.json(protectedResource(''));
  });
  router.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
    res.json(protectedResource('/mcp'));
  });
  router.get(
    ['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/*rest'],
    (_req, res) => {
      res.json(authorizationServer);
    },
  );
  return router;
}
