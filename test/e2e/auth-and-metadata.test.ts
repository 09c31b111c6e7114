// End to end: the real server process rejects bad tokens and hosts, and serves OAuth discovery documents.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { CLIENT_ID, type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
beforeAll(async () => {
  env = await startEnvironment({ AUTH_AUDIENCE: CLIENT_ID });
});
afterAll(async () => {
  await env?.stop();
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function postMcp(token: string | null, headers: Record<string, string> = {}) {
  return fetch(`${env.server.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(initialize),
  });
}

describe('bearer authentication', () => {
  it('answers 401 with a challenge naming the protected-resource metadata when no token is sent', async () => {
    const response = await postMcp(null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${env.server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it.each([
    [
      'a wrong issuer',
      () => env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID, issuer: 'https://evil.example' }),
      /iss/,
    ],
    ['a wrong audience', () => env.workos.mintAccessToken(ALICE.id, { audience: 'someone-else' }), /aud/],
    [
      'an expired token',
      () => env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID, expiresIn: '-1m' }),
      /expired/,
    ],
    [
      'an unknown signing key',
      () => env.workos.mintWithForeignKey(ALICE.id, { audience: CLIENT_ID, kid: 'unknown-kid' }),
      /signature|invalid/,
    ],
    [
      'a key posing as the real one',
      () => env.workos.mintWithForeignKey(ALICE.id, { audience: CLIENT_ID }),
      /signature|invalid/,
    ],
  ])('refuses %s with 401 invalid_token', async (_label, mint, reason) => {
    const response = await postMcp(await mint());
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toMatch(reason);
    expect(challenge).toContain('resource_metadata=');
  });

  it('refuses garbage and a malformed header', async () => {
    expect((await postMcp('not-a-jwt')).status).toBe(401);
    const response = await fetch(`${env.server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Basic abc' },
    });
    expect(response.status).toBe(401);
  });

  it('answers 503, not 401, while WorkOS cannot be reached to look up the user', async () => {
    const token = await env.workos.mintAccessToken('user_never_seen', {
      audience: CLIENT_ID,
      sid: 'session_x',
    });
    env.workos.setOutage(true);
    try {
      const response = await postMcp(token);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
    } finally {
      env.workos.setOutage(false);
    }
  });

  it('answers 401 (not 500) for a valid token of a user WorkOS does not know, and remembers that briefly', async () => {
    const token = await env.workos.mintAccessToken('user_deleted_e2e', { audience: CLIENT_ID, sid: 'sx' });
    const lookups = () =>
      env.workos.requestLog().filter((r) => r.path === '/user_management/users/user_deleted_e2e').length;
    const first = await postMcp(token);
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toMatch(/error="invalid_token".*no longer exists/);
    expect(lookups()).toBe(1);
    // A second token for the same user is refused from memory: WorkOS is not asked again.
    const again = await postMcp(
      await env.workos.mintAccessToken('user_deleted_e2e', { audience: CLIENT_ID, sid: 'sy' }),
    );
    expect(again.status).toBe(401);
    expect(lookups()).toBe(1);
  });

  it('accepts a good token through the MCP SDK client', async () => {
    const client = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID }),
    );
    const whoami = await callTool(client, 'whoami');
    expect(whoami.structuredContent?.email).toBe(ALICE.email);
    await client.close();
  });
});

describe('DNS-rebinding protection', () => {
  it('refuses a foreign Host header', async () => {
    // fetch will not send a custom Host, so speak HTTP directly, as a rebinding browser would.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${env.server.url}/mcp`,
        { method: 'POST', headers: { host: 'attacker.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initialize));
    });
    expect(status).toBe(403);
  });

  it('refuses an Origin on our host name but another port, and accepts our own origin', async () => {
    const token = await env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID });
    const ours = new URL(env.server.url);
    const otherPort = `http://${ours.hostname}:${Number(ours.port) === 9 ? 10 : 9}`;
    expect((await postMcp(token, { origin: otherPort })).status).toBe(403);
    expect((await fetch(`${env.server.url}/readyz`, { headers: { origin: otherPort } })).status).toBe(403);
    expect((await postMcp(token, { origin: ours.origin })).status).toBe(200);
  });

  it('refuses a foreign Origin header', async () => {
    const token = await env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID });
    const response = await postMcp(token, { origin: 'http://attacker.example' });
    expect(response.status).toBe(403);
  });
});

describe('OAuth discovery', () => {
  it('serves the protected-resource metadata for the MCP endpoint', async () => {
    const response = await fetch(`${env.server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: `${env.server.url}/mcp`,
      authorization_servers: [env.workos.issuer],
      bearer_methods_supported: ['header'],
    });
  });

  it('mirrors the authorization server metadata', async () => {
    const body = await (await fetch(`${env.server.url}/.well-known/oauth-authorization-server`)).json();
    expect(body).toMatchObject({ issuer: env.workos.issuer, code_challenge_methods_supported: ['S256'] });
  });

  it('has no server-side session streams to open', async () => {
    const token = await env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID });
    const response = await fetch(`${env.server.url}/mcp`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(405);
  });
});

describe('tools', () => {
  it('lists every tool with annotations and an output schema', async () => {
    const client = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'call_integration_api',
      'check_access_request',
      'connect_integration',
      'list_integrations',
      'release_access',
      'request_elevated_access',
      'server_info',
      'whoami',
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations?.readOnlyHint, tool.name).toBeTypeOf('boolean');
    }
    const info = await callTool(client, 'server_info');
    expect(textOf(info)).toContain('5 minutes');
    expect(info.structuredContent?.maxAccessSeconds).toBe(3600);
    await client.close();
  });
});
