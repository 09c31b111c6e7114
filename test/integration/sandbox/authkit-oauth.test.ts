// The AuthKit stand-in's OAuth for MCP clients is as strict as AuthKit (registration, PKCE S256, exact redirect_uri,
// single-use short-lived codes, resource binding), and with a data folder it keeps keys, clients and refresh tokens.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDataFolder } from '../../../src/sandbox/data-folder.js';
import { ALICE } from '../../../src/sandbox/people.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../../src/sandbox/workos/index.js';
import { freePort } from '../../support/server-process.js';

const redirectUri = 'http://127.0.0.1:9/callback';
const resource = 'http://127.0.0.1:5711/mcp';
let standIn: WorkosStandIn;

beforeAll(async () => {
  standIn = await startWorkosStandIn({ clientId: 'client_env', apiKey: 'sk_test_oauth' });
});
afterAll(() => standIn.close());
afterEach(() => {
  vi.useRealTimers();
});

const postJson = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const postForm = (base: string, path: string, body: Record<string, string>) =>
  fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams(body) });

async function register(base = standIn.url): Promise<string> {
  const res = await postJson(base, '/oauth2/register', { redirect_uris: [redirectUri], client_name: 'test' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function authorizeUrl(base: string, clientId: string, params: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL('/oauth2/authorize', base);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource,
    state: 'st',
    login_hint: ALICE.email,
    ...params,
  }).toString();
  return { url, verifier };
}

/** The Location of a 302 from the authorize endpoint. */
async function redirectOf(url: URL): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

async function codeFor(base: string, clientId: string) {
  const { url, verifier } = authorizeUrl(base, clientId);
  return { code: (await redirectOf(url)).searchParams.get('code')!, verifier };
}

const exchange = (base: string, clientId: string, code: string, verifier: string, extra = {}) =>
  postForm(base, '/oauth2/token', {
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    resource,
    ...extra,
  });

async function errorOf(res: Response): Promise<string> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  return ((await res.json()) as { error: string }).error;
}

describe('registration (RFC 7591)', () => {
  it('accepts a public client and refuses what it cannot honour', async () => {
    expect(await register()).toMatch(/^client_/);
    const secretClient = await postJson(standIn.url, '/oauth2/register', {
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(await errorOf(secretClient)).toBe('invalid_client_metadata');
    const noUris = await postJson(standIn.url, '/oauth2/register', { redirect_uris: [] });
    expect(await errorOf(noUris)).toBe('invalid_redirect_uri');
    const implicit = await postJson(standIn.url, '/oauth2/register', {
      redirect_uris: [redirectUri],
      grant_types: ['implicit'],
    });
    expect(await errorOf(implicit)).toBe('invalid_client_metadata');
  });
});

describe('authorize', () => {
  it('never redirects to a redirect_uri that differs from the registered one, even by port', async () => {
    const clientId = await register();
    const { url } = authorizeUrl(standIn.url, clientId, { redirect_uri: 'http://127.0.0.1:10/callback' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('sends a known client back with invalid_request when PKCE is missing or not S256', async () => {
    const clientId = await register();
    const cases: Record<string, string>[] = [{ code_challenge: '' }, { code_challenge_method: 'plain' }];
    for (const params of cases) {
      const location = await redirectOf(authorizeUrl(standIn.url, clientId, params).url);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('state')).toBe('st');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });
});

describe('token', () => {
  it('binds the access token to the resource and refuses another resource at exchange', async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(standIn.url, clientId);
    const swapped = await exchange(standIn.url, clientId, code, verifier, {
      resource: 'http://evil.test/mcp',
    });
    expect(await errorOf(swapped)).toBe('invalid_target');

    const again = await codeFor(standIn.url, clientId);
    const ok = await exchange(standIn.url, clientId, again.code, again.verifier);
    expect(ok.status).toBe(200);
    const { access_token } = (await ok.json()) as { access_token: string };
    const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(standIn.jwksUrl)), {
      issuer: standIn.issuer,
      audience: resource,
    });
    expect(payload).toMatchObject({ sub: ALICE.id, client_id: clientId });
  });

  it('refuses another redirect_uri, an unknown client, and another client’s code', async () => {
    const clientId = await register();
    const other = await register();
    const a = await codeFor(standIn.url, clientId);
    const wrongRedirect = await exchange(standIn.url, clientId, a.code, a.verifier, {
      redirect_uri: 'http://127.0.0.1:9/other',
    });
    expect(await errorOf(wrongRedirect)).toBe('invalid_grant');
    const b = await codeFor(standIn.url, clientId);
    expect(await errorOf(await exchange(standIn.url, 'client_nobody', b.code, b.verifier))).toBe(
      'invalid_client',
    );
    expect(await errorOf(await exchange(standIn.url, other, b.code, b.verifier))).toBe('invalid_grant');
  });

  it('lets a code expire after ten minutes', async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(standIn.url, clientId);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1000 });
    expect(await errorOf(await exchange(standIn.url, clientId, code, verifier))).toBe('invalid_grant');
  });
});

describe('with a data folder', () => {
  it('keeps its signing key, the registration and the refresh token across a restart on the same port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authkit-standin-'));
    const port = await freePort();
    const start = () =>
      startWorkosStandIn({ clientId: 'client_env', apiKey: 'sk', port, dataFolder: openDataFolder(dir) });
    try {
      const first = await start();
      const clientId = await register(first.url);
      const { code, verifier } = await codeFor(first.url, clientId);
      const tokens = (await (await exchange(first.url, clientId, code, verifier)).json()) as {
        access_token: string;
        refresh_token: string;
      };
      await first.close();

      const second = await start();
      try {
        expect(second.issuer).toBe(first.issuer);
        const { payload } = await jwtVerify(
          tokens.access_token,
          createRemoteJWKSet(new URL(second.jwksUrl)),
          {
            issuer: second.issuer,
            audience: resource,
          },
        );
        expect(payload.sub).toBe(ALICE.id);
        const refreshed = await postForm(second.url, '/oauth2/token', {
          grant_type: 'refresh_token',
          client_id: clientId,
          refresh_token: tokens.refresh_token,
          resource,
        });
        expect(refreshed.status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
