// LeanMcpServer behind the SDK's own handler answers exactly what the SDK's McpServer answers: the same JSON bytes
// (handed over as the message instead of a Response), the same streams, errors, and header checks.
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { LeanMcpServer } from '../../../src/mcp/lean-server.js';
import { PlainJsonAnswer } from '../../../src/mcp/plain-json-answer.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'lean-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** Every exchange's close, as the server's onclose saw Error.stackTraceLimit. */
const limitsAtClose: number[] = [];

function build(Kind: typeof McpServer): McpServer {
  const mcp = new Kind({ name: 'lean', version: '1' }, { capabilities: { tools: {} } });
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `héllo ${text}` }],
    structuredContent: { text },
  }));
  mcp.registerTool('refuse', { inputSchema: {} }, async () => ({
    isError: true,
    content: [{ type: 'text' as const, text: 'no' }],
  }));
  mcp.registerTool('throws', { inputSchema: {} }, async () => {
    throw new Error('broken tool');
  });
  mcp.registerTool('ticks', { inputSchema: {} }, async (_args, ctx) => {
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken: 't', progress: 1 },
    });
    return { content: [{ type: 'text', text: 'done' }] };
  });
  mcp.registerTool(
    'regional',
    { inputSchema: { region: z.string().meta({ 'x-mcp-header': 'Region' }) } },
    async ({ region }) => ({ content: [{ type: 'text', text: region }] }),
  );
  mcp.server.onclose = () => {
    limitsAtClose.push(Error.stackTraceLimit);
  };
  return mcp;
}

const sdk = createMcpHandler(() => build(McpServer), { legacy: 'reject' });
const lean = createMcpHandler(() => build(LeanMcpServer), { legacy: 'reject' });

function request(name: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Request {
  return new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name, arguments: args, _meta: ENVELOPE },
    }),
  });
}

/** Status, content type and body, from either kind of answer. */
async function read(answer: Response | PlainJsonAnswer) {
  if (answer instanceof PlainJsonAnswer) {
    return { kind: 'plain', status: 200, type: 'application/json', body: JSON.stringify(answer.message) };
  }
  return {
    kind: 'web',
    status: answer.status,
    type: answer.headers.get('content-type'),
    body: await answer.text(),
  };
}

async function both(name: string, args: Record<string, unknown>, headers?: Record<string, string>) {
  const expected = await read(await sdk.fetch(request(name, args, headers)));
  const actual = await read((await lean.fetch(request(name, args, headers))) as Response | PlainJsonAnswer);
  return { expected, actual };
}

describe('LeanMcpServer behind createMcpHandler', () => {
  it('hands a tool result over as the message, byte for byte what Response.json carried', async () => {
    const { expected, actual } = await both('echo', { text: 'x' });
    expect(expected.kind).toBe('web');
    expect(actual.kind).toBe('plain');
    expect(actual).toEqual({ ...expected, kind: 'plain' });
    expect(JSON.parse(actual.body)).toMatchObject({ id: 7, result: { structuredContent: { text: 'x' } } });
  });

  it('hands a tool error result (isError) over the same way', async () => {
    const { expected, actual } = await both('refuse', {});
    expect(actual).toEqual({ ...expected, kind: 'plain' });
  });

  it('answers a thrown error and invalid arguments as the same result, and leaves a JSON-RPC error to the SDK', async () => {
    for (const [name, args] of [
      ['throws', {}],
      ['echo', { text: 3 }],
    ] as const) {
      const { expected, actual } = await both(name, args);
      expect(actual).toEqual({ ...expected, kind: 'plain' });
      expect(JSON.parse(actual.body)).toMatchObject({ result: { isError: true } });
    }
    const unknown = await both('missing', {});
    expect(JSON.parse(unknown.expected.body)).toHaveProperty('error');
    expect(unknown.actual).toEqual(unknown.expected);
  });

  it('streams when the tool notifies before its result (SSE), as the SDK does', async () => {
    const { expected, actual } = await both('ticks', {});
    expect(actual.kind).toBe('web');
    expect(actual.type).toBe('text/event-stream');
    expect(actual.body).toBe(expected.body);
  });

  it('still checks a declared x-mcp-header: a missing or different header is refused as the SDK refuses it', async () => {
    const missing = await both('regional', { region: 'eu' });
    expect(missing.expected.status).toBeGreaterThanOrEqual(400);
    expect(missing.actual).toEqual(missing.expected);
    const different = await both('regional', { region: 'eu' }, { 'mcp-param-region': 'us' });
    expect(different.expected.status).toBeGreaterThanOrEqual(400);
    expect(different.actual).toEqual(different.expected);
    const matching = await both('regional', { region: 'eu' }, { 'mcp-param-region': 'eu' });
    expect(matching.expected.status).toBe(200);
    expect(matching.actual).toEqual({ ...matching.expected, kind: 'plain' });
  });

  it('skips the header scan only for tools that declare no header', () => {
    const server = build(LeanMcpServer);
    expect(server.toolInputSchemaJson('echo')).toBeUndefined();
    expect(server.toolInputSchemaJson('missing')).toBeUndefined();
    expect(JSON.stringify(server.toolInputSchemaJson('regional'))).toContain('x-mcp-header');
  });

  it('closes an exchange without capturing a stack, and restores the limit after', async () => {
    limitsAtClose.length = 0;
    const before = Error.stackTraceLimit;
    await lean.fetch(request('echo', { text: 'y' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(limitsAtClose).toEqual([0]);
    expect(Error.stackTraceLimit).toBe(before);
    limitsAtClose.length = 0;
    await sdk.fetch(request('echo', { text: 'y' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(limitsAtClose).toEqual([before]);
  });
});
