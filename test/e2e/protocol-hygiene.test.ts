// End to end: what the server promises at initialize, how /mcp answers other methods, and how it explains the flow.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { connectClient } from '../support/mcp-client.js';
import { CLIENT_ID, type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
beforeAll(async () => {
  env = await startEnvironment({ AUTH_AUDIENCE: CLIENT_ID });
});
afterAll(async () => {
  await env?.stop();
});

const token = () => env.workos.mintAccessToken(ALICE.id, { audience: CLIENT_ID });

describe('capabilities', () => {
  it('offers tools without promising list-changed notifications it could never send', async () => {
    const response = await fetch(`${env.server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await token()}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(200);
    const { result } = (await response.json()) as { result: { capabilities: Record<string, object> } };
    expect(result.capabilities.tools).toBeDefined();
    // Not even as false or null: the key is absent on the wire.
    expect(Object.keys(result.capabilities.tools ?? {})).not.toContain('listChanged');
    expect(Object.keys(result.capabilities).sort()).toEqual(['tools']);
  });
});

describe('revisions', () => {
  it.each(['2026-07-28', '2025-11-25', '2025-06-18'] as const)(
    '%s: negotiated as such, tools listed, no listChanged in the capabilities',
    async (revision) => {
      const client = await connectClient(env.server.url, await token(), 'revision', { revision });
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(revision);
        expect(client.getServerCapabilities()?.tools).toBeDefined();
        expect(Object.keys(client.getServerCapabilities()?.tools ?? {})).not.toContain('listChanged');
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('request_elevated_access');
      } finally {
        await client.close();
      }
    },
  );

  it('a client negotiating lands on 2026-07-28 (server/discover)', async () => {
    const client = await connectClient(env.server.url, await token(), 'negotiating');
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    await client.close();
  });

  it('refuses a revision it does not serve with the unsupported-protocol-version error', async () => {
    const response = await fetch(`${env.server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await token()}`,
        'mcp-protocol-version': '2099-01-01',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2099-01-01',
            'io.modelcontextprotocol/clientInfo': { name: 'future', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    const body = (await response.json()) as { error?: { code: number; data?: { supported?: string[] } } };
    expect(body.error?.code).toBe(-32022);
    expect(body.error?.data?.supported).toContain('2026-07-28');
  });
});

describe('GET and DELETE /mcp', () => {
  it.each(['GET', 'DELETE'])(
    '%s without a token answers 401 with the OAuth challenge, not 405',
    async (method) => {
      const response = await fetch(`${env.server.url}/mcp`, {
        method,
        headers: { accept: 'text/event-stream' },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${env.server.url}/.well-known/oauth-protected-resource/mcp"`,
      );
    },
  );

  it('refuses a forged token on GET as on POST', async () => {
    const forged = await env.workos.mintWithForeignKey(ALICE.id, { audience: CLIENT_ID });
    const response = await fetch(`${env.server.url}/mcp`, { headers: { authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 405 with Allow: POST once the caller is authenticated', async () => {
    const response = await fetch(`${env.server.url}/mcp`, {
      headers: { authorization: `Bearer ${await token()}`, accept: 'text/event-stream' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

/** A raw POST (fetch cannot set Host): status, the headers that matter, and the body. */
function rawPost(path: string, headers: Record<string, string>, body: string) {
  const url = new URL(env.server.url);
  return new Promise<{ status: number; type?: string; nosniff?: string; challenge?: string; body: string }>(
    (resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            nosniff: res.headers['x-content-type-options'] as string | undefined,
            challenge: res.headers['www-authenticate'],
            body: text,
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('POST /mcp, however it is spelled', () => {
  // Exactly "/mcp" is served on Node's own request and response; the other spellings go through express: the
  // same steps must answer them alike.
  const INITIALIZE = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  it.each(['/mcp', '/mcp/', '/mcp?probe=1', '/MCP'])(
    '%s: the same refusals and the same answer',
    async (path) => {
      const host = new URL(env.server.url).host;
      const forgedHost = await rawPost(path, { ...json, host: 'evil.example' }, INITIALIZE);
      expect(forgedHost).toMatchObject({ status: 403, type: 'application/json; charset=utf-8' });
      expect(JSON.parse(forgedHost.body)).toMatchObject({ error: 'forbidden_host' });

      const noToken = await rawPost(path, { ...json, host }, INITIALIZE);
      expect(noToken).toMatchObject({ status: 401, nosniff: 'nosniff' });
      expect(noToken.challenge).toContain('resource_metadata=');

      const authorization = `Bearer ${await token()}`;
      const badJson = await rawPost(path, { ...json, host, authorization }, '{"jsonrpc":');
      expect(badJson.status).toBe(400);
      expect(JSON.parse(badJson.body)).toMatchObject({ error: { code: -32700 }, id: null });

      const served = await rawPost(path, { ...json, host, authorization }, INITIALIZE);
      expect(served).toMatchObject({ status: 200, nosniff: 'nosniff' });
      expect(served.body).toContain('"serverInfo"');
    },
  );
});

describe('the flow, explained', () => {
  it('the instructions tell it in three sentences: request, a person approves in Slack or via the link, call or poll', async () => {
    const client = await connectClient(env.server.url, await token());
    const instructions = client.getInstructions() ?? '';
    const sentences = instructions.split(/(?<=\.)\s+/).filter(Boolean);
    expect(sentences).toHaveLength(3);
    expect(sentences[0]).toContain('request_elevated_access');
    expect(sentences[0]).toMatch(/link/);
    expect(sentences[1]).toMatch(/approves in Slack/);
    expect(sentences[1]).toMatch(/link/);
    expect(sentences[2]).toContain('call_integration_api');
    expect(sentences[2]).toMatch(/check_access_request \(waitSeconds/);

    // The tools of the flow carry the same three sentences, for clients that drop the instructions.
    const { tools } = await client.listTools();
    for (const name of ['request_elevated_access', 'check_access_request', 'call_integration_api']) {
      expect(tools.find((t) => t.name === name)?.description, name).toContain(instructions);
    }
    await client.close();
  });
});
