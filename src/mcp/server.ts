// The /mcp endpoint: stateless Streamable HTTP, so any instance can serve any request; servers are pooled.
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { callerFrom } from './identity.js';
import type { ToolDeps } from './tool-kit.js';
import { FLOW } from './tools/flow.js';
import { registerTools } from './tools/index.js';

export const SERVER_VERSION = '0.1.0';
/** Idle servers kept for reuse: building one and registering the tools is the costliest part of a request. */
const MAX_IDLE_SERVERS = 64;

/** The flow in three sentences; clients show it to the model before any tool description. */
const INSTRUCTIONS = FLOW;

export function createMcpHandler(deps: ToolDeps) {
  const idle: McpServer[] = [];
  const build = () => {
    const server = new McpServer(
      { name: 'countersign', title: 'Countersign', version: SERVER_VERSION },
      { instructions: INSTRUCTIONS, capabilities: { tools: {} } },
    );
    registerTools(server, deps);
    // The SDK advertises tools.listChanged as soon as a tool is registered, but our tool list never changes and a
    // stateless server has no stream to send the notification on: take the promise back (undefined is not sent).
    server.server.registerCapabilities({ tools: { listChanged: undefined } });
    return server;
  };

  return async (req: Request & { auth?: AuthInfo }, res: Response) => {
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    const initialize = messages.find(isInitializeRequest);
    if (initialize) {
      // The client's name is only sent at initialize; keep it with the session so later requests can show it.
      await deps.store.touchSession(callerFrom(req.auth), initialize.params.clientInfo.name.slice(0, 100));
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // Long polls stream progress notifications over SSE; everything else answers with plain JSON (cheaper).
      enableJsonResponse: !messages.some(isLongPoll),
    });
    const server = idle.pop() ?? build();
    res.on('close', () => {
      void server.close().finally(() => {
        if (idle.length < MAX_IDLE_SERVERS) idle.push(server);
      });
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };
}

function isLongPoll(message: unknown): boolean {
  const m = message as { method?: string; params?: { name?: string; arguments?: { waitSeconds?: unknown } } };
  return (
    m?.method === 'tools/call' &&
    m.params?.name === 'check_access_request' &&
    typeof m.params.arguments?.waitSeconds === 'number' &&
    m.params.arguments.waitSeconds > 0
  );
}

/** GET (server-initiated stream) and DELETE (session end) have no meaning without server-side sessions. */
export function methodNotAllowed(_req: Request, res: Response): void {
  res.setHeader('Allow', 'POST');
  res.status(405).json({
    jsonrpc: '2.0',
    error: { code: -32000, message: 'Method not allowed: this server is stateless, use POST' },
    id: null,
  });
}
