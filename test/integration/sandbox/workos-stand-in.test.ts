// The WorkOS stand-in, driven by the real @workos-inc/node SDK and jose, as production code will drive WorkOS.
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundException, OauthException, UnauthorizedException, type WorkOS } from '@workos-inc/node';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkos } from '../../../src/pipes/workos-client.js';
import { ALICE, BOB, SANDBOX_ORGANIZATION } from '../../../src/sandbox/people.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../../src/sandbox/workos/index.js';

const clientId = 'client_standin_test';
const apiKey = 'sk_test_standin';
const redirectUri = 'http://127.0.0.1:9/callback';

let standIn: WorkosStandIn;
let workos: WorkOS;

beforeAll(async () => {
  standIn = await startWorkosStandIn({ clientId, apiKey });
  workos = createWorkos({ apiKey, clientId, apiUrl: standIn.url, redirectUri });
});
afterAll(() => standIn.close());

/** Follows the authorize redirect by hand and returns the code and state it carries. */
async function signIn(url: string): Promise<{ code: string; state: string | null }> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return { code: location.searchParams.get('code')!, state: location.searchParams.get('state') };
}

describe('user management', () => {
  it('getUser returns the sandbox person in the SDK shape', async () => {
    const user = await workos.userManagement.getUser(ALICE.id);
    expect(user).toMatchObject({
      object: 'user',
      id: 'user_alice',
      email: 'alice@sandbox.test',
      emailVerified: true,
      firstName: 'Alice',
      externalId: null,
      metadata: {},
    });
  });

  it('getUser of an unknown id throws NotFoundException', async () => {
    await expect(workos.userManagement.getUser('user_nobody')).rejects.toBeInstanceOf(NotFoundException);
  });

  it('a wrong API key is refused with UnauthorizedException', async () => {
    const wrong = createWorkos({ apiKey: 'sk_wrong', clientId, apiUrl: standIn.url, redirectUri });
    await expect(wrong.userManagement.getUser(ALICE.id)).rejects.toBeInstanceOf(UnauthorizedException);
  });
});

describe('pipes.getAccessToken', () => {
  it('returns a fresh sandbox token for a connected provider, known to the provider lookup', async () => {
    const result = await workos.pipes.getAccessToken({
      provider: 'linear',
      userId: ALICE.id,
      organizationId: SANDBOX_ORGANIZATION.id,
    });
    if (!result.active) throw new Error('expected an active token');
    expect(result.accessToken.accessToken).toMatch(/^sandbox_linear_/);
    const expiresIn = result.accessToken.expiresAt!.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
    expect(standIn.issuedProviderTokens()(result.accessToken.accessToken)).toEqual({
      provider: 'linear',
      userId: ALICE.id,
    });
    expect(standIn.issuedProviderTokens('sandbox_linear_made_up')).toBeNull();
  });

  it('answers not_installed, then needs_reauthorization, as the connection changes', async () => {
    const ask = () => workos.pipes.getAccessToken({ provider: 'snowflake', userId: ALICE.id });
    expect(await ask()).toEqual({ active: false, error: 'not_installed' });
    standIn.setConnection(ALICE.id, 'snowflake', 'needs_reauthorization');
    expect(await ask()).toEqual({ active: false, error: 'needs_reauthorization' });
    standIn.setConnection(ALICE.id, 'snowflake', null);
  });

  it('revokes issued tokens when the connection is lost', async () => {
    const result = await workos.pipes.getAccessToken({ provider: 'linear', userId: BOB.id });
    if (!result.active) throw new Error('expected an active token');
    standIn.setConnection(BOB.id, 'linear', 'disconnected');
    expect(standIn.issuedProviderTokens(result.accessToken.accessToken)).toBeNull();
    standIn.setConnection(BOB.id, 'linear', 'connected');
  });

  it('an unknown integration slug throws NotFoundException', async () => {
    await expect(workos.pipes.getAccessToken({ provider: 'jira', userId: ALICE.id })).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('logs each request by method and path', () => {
    expect(standIn.requestLog()).toContainEqual({ method: 'POST', path: '/data-integrations/linear/token' });
  });
});

describe('sign-in (authorize + authenticate)', () => {
  it('login_hint redirects with a one-time code that authenticateWithCode exchanges', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId,
      redirectUri,
      state: 'st_1',
      loginHint: ALICE.email,
    });
    const { code, state } = await signIn(url);
    expect(state).toBe('st_1');

    const auth = await workos.userManagement.authenticateWithCode({ clientId, code });
    expect(auth.user).toMatchObject({ id: ALICE.id, email: ALICE.email });
    expect(auth.organizationId).toBe(SANDBOX_ORGANIZATION.id);
    expect(auth.refreshToken).toBeTruthy();
    const claims = decodeJwt(auth.accessToken);
    expect(claims).toMatchObject({ iss: standIn.issuer, sub: ALICE.id, org_id: SANDBOX_ORGANIZATION.id });
    expect(claims.sid).toMatch(/^session_/);

    // The code is single use: a replay is the invalid_grant OAuth error.
    const replay = workos.userManagement.authenticateWithCode({ clientId, code });
    await expect(replay).rejects.toBeInstanceOf(OauthException);
    await expect(replay).rejects.toMatchObject({
      error: 'invalid_grant',
      errorDescription: `The code '${code}' has expired or is invalid.`,
    });
  });

  it('PKCE: a wrong verifier burns the code', async () => {
    const { url, codeVerifier } = await workos.userManagement.getAuthorizationUrlWithPKCE({
      provider: 'authkit',
      clientId,
      redirectUri,
      loginHint: BOB.email,
    });
    const { code } = await signIn(url);
    await expect(
      workos.userManagement.authenticateWithCodeAndVerifier({
        clientId,
        code,
        codeVerifier: `${codeVerifier}x`,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('without login_hint shows a page listing every sandbox person', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId,
      redirectUri,
      state: 's',
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const email of ['alice@sandbox.test', 'bob@sandbox.test', 'mallory@sandbox.test'])
      expect(html).toContain(email);
    expect(html).toContain('name="state" value="s"');
  });

  it('an unknown client_id gets an error page, not a code', async () => {
    const url = new URL('/user_management/authorize', standIn.url);
    url.search = new URLSearchParams({
      client_id: 'client_other',
      redirect_uri: redirectUri,
      response_type: 'code',
      login_hint: ALICE.email,
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });
});

describe('tokens and keys', () => {
  it('minted MCP tokens verify against the JWKS with issuer and audience', async () => {
    const token = await standIn.mintAccessToken(ALICE.id, {
      audience: 'http://127.0.0.1:5711/mcp',
      sid: 'consent_1',
    });
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(standIn.jwksUrl)),
      {
        issuer: standIn.issuer,
        audience: 'http://127.0.0.1:5711/mcp',
        algorithms: ['RS256'],
      },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: ALICE.id,
      sid: 'consent_1',
      org_id: 'org_sandbox',
      client_id: clientId,
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.scope).toBe('openid profile email offline_access');
  });

  it('the SSO JWKS URL of the SDK serves the same key; orgId null leaves org_id out', async () => {
    const token = await standIn.mintAccessToken(ALICE.id, { orgId: null });
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(workos.userManagement.getJwksUrl(clientId))),
    );
    expect(payload.org_id).toBeUndefined();
  });

  it('a token signed with the foreign key fails signature verification', async () => {
    const token = await standIn.mintWithForeignKey(ALICE.id);
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(standIn.jwksUrl)))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('publishes AuthKit-style metadata on its own base URL', async () => {
    const meta = await (await fetch(`${standIn.url}/.well-known/oauth-authorization-server`)).json();
    expect(meta).toMatchObject({
      issuer: standIn.issuer,
      jwks_uri: standIn.jwksUrl,
      authorization_endpoint: `${standIn.url}/oauth2/authorize`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('an MCP client can register, sign in with PKCE and get a token bound to its resource', async () => {
    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${standIn.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const client = await (
      await post('/oauth2/register', { redirect_uris: [redirectUri], client_name: 'test' })
    ).json();
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL('/oauth2/authorize', standIn.url);
    authorize.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: 'http://127.0.0.1:5711/mcp',
      login_hint: ALICE.email,
    }).toString();
    const { code } = await signIn(authorize.toString());
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: client.client_id,
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    });
    const res = await fetch(`${standIn.url}/oauth2/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const tokens = await res.json();
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(standIn.jwksUrl)), {
      issuer: standIn.issuer,
      audience: 'http://127.0.0.1:5711/mcp',
    });
    expect(payload).toMatchObject({ sub: ALICE.id, client_id: client.client_id });
    expect(payload.sid).toMatch(/^consent_/);
  });
});
