// End to end: `claude mcp add` with no header. A client with no token follows the 401 through discovery, registers,
// signs in as Alice in a headless browser (PKCE) and calls a tool; the stand-in refuses a wrong verifier and a
// replayed code; and after a restart the sandbox still honours the token and the registration.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  auth,
  Client,
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  OAuthError,
  refreshAuthorization,
  StreamableHTTPClientTransport,
  startAuthorization,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { launchChromium } from '../support/chromium.js';
import {
  listenForRedirect,
  MemoryOAuthProvider,
  type RedirectListener,
  signInInBrowser,
} from '../support/oauth-client.js';
import { redisEnv } from '../support/redis.js';
import { deleteKeys, freePort, type ServerProcess, spawnServer } from '../support/server-process.js';

const PREFIX = `cs-oauth-${randomUUID().slice(0, 8)}:`;
const DATA_DIR = mkdtempSync(join(tmpdir(), 'countersign-oauth-'));
let serverEnv: Record<string, string>;
let server: ServerProcess;
let browser: Browser;
let redirect: RedirectListener;
let provider: MemoryOAuthProvider;
let mcpUrl: URL;
let issuer: string;

beforeAll(async () => {
  // No credentials at all: sandbox mode, as `npm start` runs for a newcomer, with its keys in a fresh data folder.
  serverEnv = {
    PORT: String(await freePort()),
    SANDBOX_AUTH_PORT: String(await freePort()),
    SANDBOX_DATA_DIR: DATA_DIR,
    ...redisEnv(),
    REDIS_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
  };
  server = await spawnServer(serverEnv);
  mcpUrl = new URL(`${server.url}/mcp`);
  issuer = `http://127.0.0.1:${serverEnv.SANDBOX_AUTH_PORT}`;
  [browser, redirect] = await Promise.all([launchChromium(), listenForRedirect()]);
  provider = new MemoryOAuthProvider(redirect.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await redirect?.close();
  await server?.stop();
  await deleteKeys([`${PREFIX}*`, `{${PREFIX.replace(/[:{}]/g, '')}-jobs}*`]);
  rmSync(DATA_DIR, { recursive: true, force: true });
});

/** Connects with the provider's stored token; the SDK refreshes or throws UnauthorizedError as a real client does. */
async function connect(): Promise<Client> {
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  return client;
}

async function whoami(client: Client): Promise<Record<string, unknown> | undefined> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return result.structuredContent as Record<string, unknown> | undefined;
}

/** A fresh authorization for the registered client: sign in as Alice, return the code and its verifier. */
async function authorizeAgain(resource: URL = mcpUrl): Promise<{ code: string; verifier: string }> {
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  const { authorizationUrl, codeVerifier } = await startAuthorization(issuer, {
    metadata,
    clientInformation: provider.registration!,
    redirectUrl: redirect.url,
    scope: 'openid profile email offline_access',
    resource,
  });
  const params = await signInInBrowser(browser, authorizationUrl, redirect, /Alice/);
  return { code: params.get('code')!, verifier: codeVerifier };
}

const exchange = async (code: string, codeVerifier: string, resource: URL = mcpUrl) =>
  exchangeAuthorization(issuer, {
    metadata: await discoverAuthorizationServerMetadata(issuer),
    clientInformation: provider.registration!,
    authorizationCode: code,
    codeVerifier,
    redirectUri: redirect.url,
    resource,
  });

async function oauthErrorOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return (error as OAuthError).code;
}

describe('sign-in with no pasted token', () => {
  it('leads from the 401 through discovery, registration and browser sign-in to a working tool call', async () => {
    const first = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    await expect(
      first.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);

    // Discovery found our resource metadata and the sandbox AuthKit, and dynamic registration gave a client id.
    expect(provider.discovery?.resourceMetadataUrl).toBe(
      `${server.url}/.well-known/oauth-protected-resource/mcp`,
    );
    expect(provider.discovery?.authorizationServerUrl).toBe(issuer);
    expect(provider.registration?.client_id).toMatch(/^client_/);
    const authorizationUrl = provider.authorizationUrls.at(-1)!;
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${issuer}/oauth2/authorize`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl.toString());

    const params = await signInInBrowser(browser, authorizationUrl, redirect, /Alice/);
    expect(params.get('state')).toBe(authorizationUrl.searchParams.get('state'));
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await transport.finishAuth(params.get('code')!);
    expect(provider.saved?.refresh_token).toBeTruthy();

    const client = await connect();
    expect(await whoami(client)).toMatchObject({ email: ALICE.email });
    await client.close();
  }, 90_000);

  it('refuses a wrong code_verifier, and the code is spent by the attempt', async () => {
    const { code, verifier } = await authorizeAgain();
    const wrong = randomBytes(32).toString('base64url');
    expect(await oauthErrorOf(exchange(code, wrong))).toBe('invalid_grant');
    expect(await oauthErrorOf(exchange(code, verifier))).toBe('invalid_grant');
  }, 60_000);

  it('refuses a reused code, and revokes the refresh token the first use gave', async () => {
    const { code, verifier } = await authorizeAgain();
    const tokens = await exchange(code, verifier);
    expect(tokens.access_token).toBeTruthy();
    expect(await oauthErrorOf(exchange(code, verifier))).toBe('invalid_grant');
    const refresh = refreshAuthorization(issuer, {
      metadata: await discoverAuthorizationServerMetadata(issuer),
      clientInformation: provider.registration!,
      refreshToken: tokens.refresh_token!,
      resource: mcpUrl,
    });
    expect(await oauthErrorOf(refresh)).toBe('invalid_grant');
  }, 60_000);
});

describe('the resource server', () => {
  it('refuses a token the same sign-in server issued for another resource', async () => {
    const elsewhere = new URL('http://127.0.0.1:9/mcp');
    const { code, verifier } = await authorizeAgain(elsewhere);
    const tokens = await exchange(code, verifier, elsewhere);
    const response = await fetch(mcpUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('aud claim');
  }, 60_000);
});

describe('across a restart', () => {
  it('keeps the data folder owner-only', () => {
    const files = readdirSync(DATA_DIR).filter((name) => name.endsWith('.json'));
    expect(files.sort()).toEqual(['authkit-oauth.json', 'authkit-signing-key.json', 'sandbox-secrets.json']);
    for (const name of files) expect(statSync(join(DATA_DIR, name)).mode & 0o077).toBe(0);
  });

  it('the token from before still works, and the registration and refresh token too', async () => {
    const tokenBefore = provider.saved!.access_token;
    await server.stop();
    server = await spawnServer(serverEnv);

    const client = await connect();
    expect(await whoami(client)).toMatchObject({ email: ALICE.email });
    await client.close();
    // The SDK did not have to sign in again: the very same access token was accepted.
    expect(provider.saved!.access_token).toBe(tokenBefore);
    expect(provider.authorizationUrls).toHaveLength(1);

    // A refresh after the restart works, so the client id and the refresh token were kept too.
    const result = await auth(provider, { serverUrl: mcpUrl });
    expect(result).toBe('AUTHORIZED');
    const refreshed = await refreshAuthorization(issuer, {
      metadata: await discoverAuthorizationServerMetadata(issuer),
      clientInformation: provider.registration!,
      refreshToken: provider.saved!.refresh_token!,
      resource: mcpUrl,
    });
    expect(refreshed.access_token).not.toBe(tokenBefore);
  }, 120_000);
});
