// jsonBody answers every request exactly as express.json did: the same body parsed, the same 400/413/415 status.
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUtf8, jsonBody, parseStrict } from '../../../src/http/json-body.js';
import { runSteps } from '../../../src/http/node-steps.js';
import { sendJson } from '../../../src/http/send-json.js';

const LIMIT = 200;
const servers: Server[] = [];
let withExpressJson: string;
let withJsonBody: string;
let withJsonBodyOnNode: string;

async function serve(parser: RequestHandler): Promise<string> {
  const app = express();
  app.post('/mcp', parser, (req, res) => {
    res.json({ body: req.body === undefined ? '(undefined)' : req.body });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(500).json({ status: (error as { status?: number }).status ?? null });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** The same answers as `serve`, with jsonBody run on Node's own request and response (as POST /mcp runs). */
async function serveOnNode(): Promise<string> {
  const steps = runSteps<IncomingMessage & { body?: unknown }>(
    [
      jsonBody({ limit: LIMIT }),
      (req, res) => sendJson(res, 200, { body: req.body === undefined ? '(undefined)' : req.body }),
    ],
    (error, _req, res) => sendJson(res, 500, { status: (error as { status?: number }).status ?? null }),
  );
  const server = createServer(steps).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

beforeAll(async () => {
  withExpressJson = await serve(express.json({ limit: LIMIT }));
  withJsonBody = await serve(jsonBody({ limit: LIMIT }) as RequestHandler);
  withJsonBodyOnNode = await serveOnNode();
});
afterAll(() => {
  for (const server of servers) server.close();
});

interface Sent {
  headers: Record<string, string>;
  /** Pieces written one by one; without a content-length header node sends them chunked. */
  body: Buffer[];
}

function send(url: string, sent: Sent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: sent.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    for (const piece of sent.body) req.write(piece);
    req.end();
  });
}

const json = (text: string | Buffer, headers: Record<string, string> = {}): Sent => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return {
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers },
    body: [bytes],
  };
};
const CALL =
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"é":"ü"}}}';

const CASES: Record<string, Sent> = {
  'a JSON-RPC object': json(CALL),
  'a batch array': json(`[${CALL},${CALL.replace('"id":1', '"id":2')}]`.slice(0, LIMIT)),
  'leading whitespace': json(`\r\n\t ${CALL}`),
  'a byte-order mark': json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CALL)])),
  'an empty body (length 0)': json(''),
  'a JSON string': json('"tools/list"'),
  'a number': json('  42'),
  null: json('null'),
  'invalid JSON': json('{"jsonrpc":'),
  'invalid UTF-8 inside a string': json(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])),
  'over the limit (declared)': json(`{"pad":"${'x'.repeat(LIMIT)}"}`),
  'exactly the limit': json(`{"pad":"${'x'.repeat(LIMIT - 10)}"}`),
  'a charset parameter': json(CALL, { 'content-type': 'application/json; charset=utf-8' }),
  'an unsupported charset': json(CALL, { 'content-type': 'application/json; charset=latin1' }),
  'upper-case media type': json(CALL, { 'content-type': 'Application/JSON' }),
  'a +json media type': json(CALL, { 'content-type': 'application/vnd.api+json' }),
  'text/plain': json(CALL, { 'content-type': 'text/plain' }),
  gzip: json(gzipSync(CALL), { 'content-encoding': 'gzip' }),
  'an unknown content-encoding': json(CALL, { 'content-encoding': 'snappy' }),
  'chunked, no length': {
    headers: { 'content-type': 'application/json' },
    body: [Buffer.from(CALL.slice(0, 20)), Buffer.from(CALL.slice(20))],
  },
  'chunked over the limit': {
    headers: { 'content-type': 'application/json' },
    body: [Buffer.from(`{"pad":"${'x'.repeat(LIMIT)}"}`)],
  },
  'no content-type': { headers: { 'content-length': String(CALL.length) }, body: [Buffer.from(CALL)] },
};

describe('jsonBody against express.json', () => {
  for (const [name, sent] of Object.entries(CASES)) {
    it(`answers alike: ${name}`, async () => {
      const expected = await send(withExpressJson, sent);
      const actual = await send(withJsonBody, sent);
      expect(actual).toEqual(expected);
      expect(await send(withJsonBodyOnNode, sent)).toEqual(expected);
    });
  }

  it('parses what clients send, and answers 400 and 413 where express.json does', async () => {
    expect(
      JSON.parse((await send(withJsonBody, CASES['a JSON-RPC object'] as Sent)).body).body.params.arguments,
    ).toEqual({ é: 'ü' });
    expect(JSON.parse((await send(withJsonBody, CASES['invalid JSON'] as Sent)).body)).toEqual({
      status: 400,
    });
    expect(JSON.parse((await send(withJsonBody, CASES['a number'] as Sent)).body)).toEqual({ status: 400 });
    expect(JSON.parse((await send(withJsonBody, CASES['over the limit (declared)'] as Sent)).body)).toEqual({
      status: 413,
    });
    expect(JSON.parse((await send(withJsonBody, CASES['an empty body (length 0)'] as Sent)).body)).toEqual({
      body: {},
    });
  });
});

describe('the strict parse and the decoding', () => {
  it('drops one leading byte-order mark and nothing else', () => {
    expect(decodeUtf8(Buffer.from('\uFEFF{"a":1}'))).toBe('{"a":1}');
    expect(decodeUtf8(Buffer.from('{"a":"\uFEFF"}'))).toBe('{"a":"\uFEFF"}');
  });

  it('accepts objects and arrays after JSON whitespace, refuses other values, reads empty as {}', () => {
    expect(parseStrict(' \n{"a":1}')).toEqual({ a: 1 });
    expect(parseStrict('[1]')).toEqual([1]);
    expect(parseStrict('')).toEqual({});
    expect(() => parseStrict('1')).toThrow(SyntaxError);
    expect(() => parseStrict('\u00a0{}')).toThrow(SyntaxError);
    expect(() => parseStrict('{')).toThrow(SyntaxError);
  });
});
