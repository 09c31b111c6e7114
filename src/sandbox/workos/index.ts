// A local WorkOS (API, AuthKit and Pipes) on 127.0.0.1 that speaks the real wire format, for tests and sandbox mode.
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { DataFolder } from '../data-folder.js';
import {
  type ConnectionMap,
  type ConnectionState,
  defaultConnections,
  type SandboxOrganization,
  type SandboxPerson,
} from '../people.js';
import { apiRoutes } from './api-routes.js';
import { authRoutes } from './auth-routes.js';
import type { StandInContext } from './context.js';
import { createSigner, type MintOptions } from './keys.js';
import { oauthRoutes } from './oauth-routes.js';
import { loadSigningKey, persistOAuthState, saveSigningKey } from './persistence.js';
import { type ProviderTokenLookup, type ProviderTokenOwner, randomId, StandInState } from './state.js';

export type { MintOptions } from './keys.js';
export type { ProviderTokenLookup, ProviderTokenOwner } from './state.js';
export { DATA_INTEGRATIONS } from './state.js';

export interface WorkosStandInOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port), so parallel tests never collide. */
  port?: number;
  clientId: string;
  apiKey: string;
  /** `iss` of minted tokens; defaults to the stand-in's own base URL (as AuthKit's domain is). */
  issuer?: string;
  /** Directory; defaults to the sandbox people (alice, bob, mallory). */
  people?: readonly SandboxPerson[];
  /** Defaults to Sandbox Inc. */
  organizations?: readonly SandboxOrganization[];
  /** Pipes connections per user and provider; defaults to `defaultConnections()`. */
  connections?: ConnectionMap;
  /** Lifetime of Pipes provider tokens; null gives `expires_at: null`. Default 1 hour. */
  providerTokenTtlMs?: number | null;
  /** Lifetime of tokens from sign-in and `/oauth2/token`, as a jose time span. Default "1h". */
  accessTokenTtl?: string;
  /**
   * Where the signing key, client registrations and refresh tokens are kept across restarts (sandbox mode).
   * Default: nowhere, every start is fresh (tests).
   */
  dataFolder?: DataFolder;
}

export interface WorkosStandIn {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  issuer: string;
  /** The AuthKit-style JWKS (`/oauth2/jwks`); `/sso/jwks/{clientId}` serves the same keys. */
  jwksUrl: string;
  /** An MCP (W2.2) access token for the user, signed by the published key. */
  mintAccessToken(userId: string, options?: MintOptions): Promise<string>;
  /** The same token signed by a key that is not in the JWKS (same kid unless `kid` is given). */
  mintWithForeignKey(userId: string, options?: MintOptions): Promise<string>;
  /** Sets or (with null) removes a Pipes connection; anything but `connected` revokes issued tokens. */
  setConnection(userId: string, provider: string, state: ConnectionState | null): void;
  /** While on, every API-key route answers 503 (a WorkOS outage); sign-in and JWKS keep working. */
  setOutage(on: boolean): void;
  /**
   * Which provider and user a bearer token was issued for (null when unknown, expired or revoked).
   * Without an argument it returns the lookup itself, to hand to `startDemoProvider({ tokenCheck })`.
   */
  issuedProviderTokens(): ProviderTokenLookup;
  issuedProviderTokens(bearer: string): ProviderTokenOwner | null;
  /** Every request so far (newest 25 000 or more), path without query string. */
  requestLog(): Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

export async function startWorkosStandIn(options: WorkosStandInOptions): Promise<WorkosStandIn> {
  const state = new StandInState(
    options.people,
    options.organizations,
    options.connections ?? defaultConnections(),
  );
  const savedKey = options.dataFolder ? loadSigningKey(options.dataFolder) : null;
  const signer = await createSigner(savedKey ?? undefined);
  if (options.dataFolder && !savedKey) saveSigningKey(options.dataFolder, signer.saved);
  if (options.dataFolder) persistOAuthState(options.dataFolder, state);
  let baseUrl = '';
  const ctx: StandInContext = {
    state,
    signer,
    clientId: options.clientId,
    apiKey: options.apiKey,
    issuer: '',
    providerTokenTtlMs: options.providerTokenTtlMs === undefined ? 3_600_000 : options.providerTokenTtlMs,
    accessTokenTtl: options.accessTokenTtl ?? '1h',
    baseUrl: () => baseUrl,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, _res, next) => {
    state.record(req.method, req.path);
    next();
  });
  app.use(express.json({ limit: '100kb' }), express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(authRoutes(ctx), oauthRoutes(ctx), apiRoutes(ctx));
  app.use((req, res) => {
    res.status(404).json({ message: `The requested path '${req.path}' could not be found.` });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    // Body-parser errors carry a 4xx status; anything else is a bug in the stand-in.
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
    res.status(code).json({ message: code === 500 ? 'Internal stand-in error' : 'Bad request' });
  });

  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.issuer = options.issuer ?? baseUrl;

  const mint = (userId: string, opts: MintOptions, foreign: boolean) =>
    signer.sign(
      {
        sub: userId,
        sid: opts.sid ?? randomId('consent'),
        orgId: opts.orgId === undefined ? (state.people.get(userId)?.organizationId ?? null) : opts.orgId,
        clientId: opts.clientId ?? options.clientId,
        scope: opts.scope ?? 'openid profile email offline_access',
        issuer: opts.issuer ?? ctx.issuer,
        audience: opts.audience,
        expiresIn: opts.expiresIn ?? '1h',
      },
      { kid: opts.kid, foreign },
    );

  function issuedProviderTokens(): ProviderTokenLookup;
  function issuedProviderTokens(bearer: string): ProviderTokenOwner | null;
  function issuedProviderTokens(bearer?: string): ProviderTokenLookup | ProviderTokenOwner | null {
    return bearer === undefined ? state.lookupProviderToken : state.lookupProviderToken(bearer);
  }

  return {
    url: baseUrl,
    issuer: ctx.issuer,
    jwksUrl: `${baseUrl}/oauth2/jwks`,
    mintAccessToken: (userId, opts = {}) => mint(userId, opts, false),
    mintWithForeignKey: (userId, opts = {}) => mint(userId, opts, true),
    setConnection: (userId, provider, connection) => state.setConnection(userId, provider, connection),
    setOutage: (on) => {
      state.outage = on;
    },
    issuedProviderTokens,
    requestLog: () => [...state.log],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from SDK clients would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}
