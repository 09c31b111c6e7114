// The SDK floor: the bare ceiling's work (one Redis read, one upstream call over an undici Pool) done inside an MCP
// tool, served by the MCP SDK (McpServer, createMcpHandler). What the SDK's per-request handling costs on its own,
// so the bench can tell the SDK's share of a call from ours. Two ways: as shipped, through its public API only;
// or with BRIDGE=ours, through the three per-request savings our server makes around the same SDK (the build's
// LeanMcpServer, Node bridge and plain JSON answer; src/mcp/lean-server.ts): the least a server on this SDK pays.
// Environment: PORT (0 = any), REDIS_URL, GRANT_KEY (a JSON `{"status":"approved","token":"…"}`), UPSTREAM
// (origin), BRIDGE. Prints `sdk floor listening on http://127.0.0.1:<port>` once ready.
import { createServer } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { z } from 'zod';

const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
const upstream = new Pool(process.env.UPSTREAM, { connections: 64, keepAliveTimeout: 30_000 });
const grantKey = process.env.GRANT_KEY;
const ours = process.env.BRIDGE === 'ours' ? await importOurBridge() : null;

/** The build's SDK adapters (npm run bench builds dist/ first). */
async function importOurBridge() {
  const dist = new URL('../../dist/mcp/', import.meta.url);
  const [lean, answer, bridge] = await Promise.all(
    ['lean-server.js', 'plain-json-answer.js', 'web-bridge.js'].map(
      (file) => import(new URL(file, dist).href),
    ),
  );
  return {
    Server: lean.LeanMcpServer,
    PlainJsonAnswer: answer.PlainJsonAnswer,
    toWebRequest: bridge.toWebRequest,
    sendWebResponse: bridge.sendWebResponse,
  };
}

// The schemas of our call_integration_api, so the SDK validates the same input and output as it does for us.
const inputSchema = z.object({
  url: z.string().min(1).max(4096),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
  body: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  headers: z.record(z.string().max(64), z.string().max(1024)).optional(),
  requestId: z.string().min(1).max(200).optional(),
});
const outputSchema = z.object({
  ok: z.boolean(),
  status: z.number(),
  provider: z.string(),
  requestId: z.string(),
  body: z.unknown(),
  truncated: z.boolean(),
  bytes: z.number(),
});

async function callUpstream(args) {
  const raw = await redis.get(grantKey);
  const grant = raw ? JSON.parse(raw) : null;
  if (grant?.status !== 'approved') {
    return { isError: true, content: [{ type: 'text', text: 'no_access' }] };
  }
  const url = new URL(args.url);
  const answer = await upstream.request({
    path: url.pathname,
    method: args.method ?? 'POST',
    headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(args.body ?? {}),
  });
  const text = await answer.body.text();
  const structured = {
    ok: answer.statusCode < 300,
    status: answer.statusCode,
    provider: 'linear',
    requestId: 'floor',
    body: JSON.parse(text),
    truncated: false,
    bytes: text.length,
  };
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function createServerInstance() {
  const Server = ours?.Server ?? McpServer;
  const server = new Server({ name: 'sdk-floor', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('call_integration_api', { inputSchema, outputSchema }, callUpstream);
  return server;
}

// Servers are reused, as ours are: building one per request would measure registration, not the SDK's handling.
const idle = [];
function take() {
  const server = idle.pop() ?? createServerInstance();
  server.server.onclose = () => {
    server.server.onclose = undefined;
    idle.push(server);
  };
  return server;
}
const mcp = createMcpHandler(take, { legacy: 'reject' });

const http = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const parsedBody = JSON.parse(Buffer.concat(chunks).toString());
    if (ours) {
      req.body = parsedBody;
      const answer = await mcp.fetch(ours.toWebRequest(req, new AbortController().signal), { parsedBody });
      if (answer instanceof ours.PlainJsonAnswer) answer.writeTo(res);
      else await ours.sendWebResponse(answer, res);
      return;
    }
    // A bodyless Request with the parsed body beside it: the SDK's documented way to hand over a body already read.
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (name !== 'content-length' && value !== undefined)
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
    const answer = await mcp.fetch(request, { parsedBody });
    res.statusCode = answer.status;
    answer.headers.forEach((value, name) => {
      res.setHeader(name, value);
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    res.writeHead(500).end(JSON.stringify({ error: String(error) }));
  }
});
http.keepAliveTimeout = 30_000;
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`sdk floor listening on http://127.0.0.1:${http.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
