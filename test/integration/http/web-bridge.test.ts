// The express ↔ SDK bridge on a real socket: the SDK's handler served through toWebRequest/sendWebResponse answers
// JSON in one piece, streams SSE frame by frame, aborts a handler whose client left, and hands tools the request.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { sendWebResponse, toWebRequest } from '../../../src/mcp/web-bridge.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bridge-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let server: Server;
let url: string;
/** Settles when the slow tool's own abort signal fires (its client went away). */
let slowAborted: Promise<void>;
let markSlowAborted: () => void;

function build(): McpServer {
  const mcp = new McpServer({ name: 'bridge', version: '1' }, { capabilities: { tools: {} } });
  mcp.registerTool('echo_request', { inputSchema: {} }, async (_args, ctx) => {
    const req = ctx.http?.req;
    const seen = {
      method: req?.method,
      url: req?.url,
      protocolVersion: req?.headers.get('mcp-protocol-version'),
      contentLength: req?.headers.get('content-length'),
      custom: req?.headers.get('X-Custom'),
    };
    return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
  });
  mcp.registerTool('ticks', { inputSchema: { count: z.number() } }, async ({ count }, ctx) => {
    for (let i = 1; i <= count; i++) {
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: 't', progress: i },
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return { content: [{ type: 'text', text: 'done' }] };
  });
  mcp.registerTool('slow', { inputSchema: {} }, async (_args, ctx) => {
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken: 's', progress: 0 },
    });
    await new Promise<void>((resolve) => {
      ctx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    markSlowAborted();
    return { content: [{ type: 'text', text: 'never sent' }] };
  });
  return mcp;
}

beforeAll(async () => {
  slowAborted = new Promise((resolve) => {
    markSlowAborted = resolve;
  });
  const handler = createMcpHandler(() => build(), { legacy: 'stateless' });
  const app = express();
  app.post('/mcp', express.json(), async (req, res) => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const request = toWebRequest(req, aborted.signal);
    await sendWebResponse(await handler.fetch(request, { parsedBody: req.body }), res);
  });
  // Web answers built by hand: a JSON body in two pieces, and one whose stream fails half way.
  app.get('/pieces', async (_req, res) => {
    await sendWebResponse(
      new Response(streamOf(['{"a":', '1}']), { headers: { 'content-type': 'application/json' } }),
      res,
    );
  });
  app.get('/broken', async (_req, res) => {
    await sendWebResponse(
      new Response(streamOf(['{"a":'], new Error('upstream broke')), {
        headers: { 'content-type': 'application/json' },
      }),
      res,
    );
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
});

function streamOf(pieces: string[], failure?: Error): ReadableStream<Uint8Array> {
  const queue = [...pieces];
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(new TextEncoder().encode(next));
      else if (failure) controller.error(failure);
      else controller.close();
    },
  });
}

function post(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const call = body as { method?: string; params?: { name?: string } };
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      ...(call.method === 'tools/call' && {
        'mcp-method': 'tools/call',
        'mcp-name': call.params?.name ?? '',
      }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

const callTool = (name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name, arguments: args, _meta: ENVELOPE },
});

describe('toWebRequest + sendWebResponse around the SDK handler', () => {
  it('answers a modern call as JSON with a Content-Length, and the tool reads the request as a Request', async () => {
    const response = await post(callTool('echo_request'), { 'x-custom': 'yes' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const { result } = JSON.parse(text) as { result: { content: { text: string }[] } };
    expect(JSON.parse(result.content[0]?.text ?? '')).toEqual({
      method: 'POST',
      url,
      protocolVersion: '2026-07-28',
      contentLength: null,
      custom: 'yes',
    });
  });

  it('streams progress frame by frame before the result (SSE)', async () => {
    const started = Date.now();
    const response = await post(callTool('ticks', { count: 3 }));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    // The first progress frame arrives while the tool still has ~300 ms of ticks ahead of it.
    const firstAt = Date.now() - started;
    expect(decoder.decode(first.value)).toContain('notifications/progress');
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(Date.now() - started - firstAt).toBeGreaterThanOrEqual(250);
    expect(rest).toContain('"done"');
  });

  it('aborts the handler when the client goes away mid-stream', async () => {
    const client = new AbortController();
    const response = await post(callTool('slow'), {}, client.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    client.abort();
    await expect(slowAborted).resolves.toBeUndefined();
  });

  it('serves 2025-era traffic (no parsed body skipped): initialize answers with the server info', async () => {
    const response = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'old', version: '1' },
        },
      },
      { 'mcp-protocol-version': '2025-11-25' },
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"serverInfo"');
  });

  it('sends a JSON answer that arrives in pieces whole, with its length', async () => {
    const response = await fetch(url.replace('/mcp', '/pieces'));
    expect(response.headers.get('content-length')).toBe('7');
    expect(await response.json()).toEqual({ a: 1 });
  });

  it('never sends half a JSON answer as a whole one: a body that fails is a 500', async () => {
    const response = await fetch(url.replace('/mcp', '/broken'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('{"a":');
  });

  it('a body express.json did not parse reaches the SDK as a real Request and gets its 415', async () => {
    const response = await post(JSON.stringify(callTool('echo_request')), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/Content-Type/);
  });
});
