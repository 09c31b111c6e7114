// The shortcut past isLegacyRequest: whenever it says "modern", the SDK's own predicate says "not legacy".
import { isLegacyRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { routesModern } from '../../../src/mcp/modern-route.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const call = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {}, _meta: ENVELOPE },
};

/** Bodies a client (or a confused one) might post, each tried under every header below. */
const BODIES: Record<string, unknown> = {
  'modern tools/call': call,
  'modern server/discover': { jsonrpc: '2.0', id: 2, method: 'server/discover', params: { _meta: ENVELOPE } },
  'modern notification': { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: ENVELOPE } },
  'request without envelope': { jsonrpc: '2.0', id: 3, method: 'tools/list' },
  'notification without envelope': { jsonrpc: '2.0', method: 'notifications/initialized' },
  initialize: {
    jsonrpc: '2.0',
    id: 4,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } },
  },
  'envelope naming 2025-11-25': {
    ...call,
    params: {
      ...call.params,
      _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2025-11-25' },
    },
  },
  'malformed envelope': {
    ...call,
    params: { ...call.params, _meta: { 'io.modelcontextprotocol/protocolVersion': 7 } },
  },
  'batch of legacy requests': [
    { jsonrpc: '2.0', id: 5, method: 'tools/list' },
    { jsonrpc: '2.0', id: 6, method: 'ping' },
  ],
  'posted result': { jsonrpc: '2.0', id: 7, result: {} },
  'posted error': { jsonrpc: '2.0', id: 8, error: { code: -1, message: 'no' } },
  'result beside a method': { jsonrpc: '2.0', id: 9, method: 'tools/list', result: {} },
  'not JSON-RPC': { hello: 'world' },
  'empty object': {},
  'a string': 'tools/list',
  null: null,
};
const HEADERS = [undefined, '2026-07-28', '2025-11-25', '2025-06-18', '2099-01-01', ' 2026-07-28', 'garbage'];

function requestWith(header: string | undefined): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== undefined) headers['mcp-protocol-version'] = header;
  return new Request('http://localhost/mcp', { method: 'POST', headers });
}

describe('routesModern', () => {
  for (const [name, body] of Object.entries(BODIES)) {
    it(`never disagrees with isLegacyRequest: ${name}`, async () => {
      for (const header of HEADERS) {
        if (!routesModern('POST', header, body)) continue;
        expect(await isLegacyRequest(requestWith(header), body), `header ${header}`).toBe(false);
      }
    });
  }

  it('takes the shortcut for what a 2026-07-28 client sends', () => {
    expect(routesModern('POST', '2026-07-28', BODIES['modern tools/call'])).toBe(true);
    expect(routesModern('POST', '2026-07-28', BODIES['modern server/discover'])).toBe(true);
    expect(routesModern('POST', '2026-07-28', BODIES['modern notification'])).toBe(true);
  });

  it('leaves 2025-era traffic, batches, posted responses and other methods to the SDK', () => {
    expect(routesModern('POST', undefined, BODIES['modern tools/call'])).toBe(false);
    expect(routesModern('POST', '2025-11-25', BODIES.initialize)).toBe(false);
    expect(routesModern('POST', '2026-07-28', BODIES['batch of legacy requests'])).toBe(false);
    expect(routesModern('POST', '2026-07-28', BODIES['posted result'])).toBe(false);
    expect(routesModern('POST', '2026-07-28', BODIES['posted error'])).toBe(false);
    expect(routesModern('GET', '2026-07-28', BODIES['modern tools/call'])).toBe(false);
  });

  it('the SDK itself routes a batch and a posted response legacy under a modern header (why they are excluded)', async () => {
    expect(await isLegacyRequest(requestWith('2026-07-28'), BODIES['batch of legacy requests'])).toBe(true);
    expect(await isLegacyRequest(requestWith('2026-07-28'), BODIES['posted result'])).toBe(true);
  });
});
