// The /mcp endpoint on MCP SDK v2: 2026-07-28 requests through the SDK's per-request handler, 2025-era ones stateless.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  CLIENT_INFO_META_KEY,
  createMcpHandler as createSdkHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { sendJson } from '../http/send-json.js';
import type { AuthedRequest } from './auth.js';
import { rememberClient } from './client-memory.js';
import { requestStateVerifier } from './consent-elicitation.js';
import { callerFrom } from './identity.js';
import { admissionOf } from './inflight-limit.js';
import { LeanMcpServer } from './lean-server.js';
import { routesModern } from './modern-route.js';
import { PlainJsonAnswer } from './plain-json-answer.js';
import type { ToolDeps } from './tool-kit.js';
import { FLOW } from './tools/flow.js';
import { registerTools } from './tools/index.js';
import { type BridgedRequest, sendWebResponse, toWebRequest } from './web-bridge.js';

export const SERVER_VERSION = '0.1.0';
/** The revisions we serve: the current one over the per-request envelope, the two before it over `initialize`. */
export const PROTOCOL_VERSIONS = ['2026-07-28', '2025-11-25', '2025-06-18'];

/** The flow in three sentences; clients show it to the model before any tool description. */
const INSTRUCTIONS = FLOW;

/** Node's request after the steps before the handler: the bearer token's AuthInfo and the parsed body. */
export type McpHttpRequest = AuthedRequest & BridgedRequest;

/** Idle servers kept for reuse, per era: building one and registering the tools is the costliest part of a request. */
const MAX_IDLE_SERVERS = 64;

export function createMcpHandler(deps: ToolDeps) {
  const verify = requestStateVerifier(deps);
  const create = () => {
    const server = new LeanMcpServer(
      { name: 'countersign', title: 'Countersign', version: SERVER_VERSION },
      {
        instructions: INSTRUCTIONS,
        capabilities: { tools: {} },
        supportedProtocolVersions: PROTOCOL_VERSIONS,
        requestState: { verify },
      },
    );
    registerTools(server, deps);
    // The SDK advertises tools.listChanged once a tool is registered, but our tool list never changes and a
    // stateless server has no stream to send the notification on: take the promise back (undefined is not sent).
    server.server.registerCapabilities({ tools: { listChanged: undefined } });
    return server;
  };
  const pools = { modern: serverPool(create), legacy: serverPool(create) };
  const modern = createSdkHandler(() => pools.modern.take(), {
    legacy: 'reject',
    onerror: (error) => deps.logger.debug({ err: error }, 'MCP request rejected'),
  });

  return async (req: McpHttpRequest, res: ServerResponse) => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const request = toWebRequest(req, aborted.signal);
    const admission = admissionOf(res);
    if (admission) deps.gate?.bind(request, admission);
    const options = { authInfo: req.auth, parsedBody: req.body };
    const modernForSure = routesModern(
      request.method,
      request.headers.get('mcp-protocol-version') ?? undefined,
      req.body,
    );
    try {
      if (!modernForSure && (await isLegacyRequest(request, req.body))) {
        await serveLegacy(deps, () => pools.legacy.take(), req, res, request, options);
        return;
      }
      await rememberModernClient(deps, req);
      // A plain JSON result comes as the message itself (lean-server.ts); anything else as the SDK's Response.
      const answer: Response | PlainJsonAnswer = await modern.fetch(request, options);
      if (answer instanceof PlainJsonAnswer) answer.writeTo(res);
      else await sendWebResponse(answer, res);
    } finally {
      // Answered (or failed): the turn goes to the next request now, not when the socket reports the write done.
      if (admission) deps.gate?.release(admission);
    }
  };
}

/** 2025-era traffic: one stateless transport per request, JSON answers except for long polls (which stream progress). */
async function serveLegacy(
  deps: ToolDeps,
  build: () => McpServer,
  req: McpHttpRequest,
  res: ServerResponse,
  request: globalThis.Request,
  options: { authInfo?: AuthInfo; parsedBody: unknown },
): Promise<void> {
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  const initialize = messages.find(isInitializeRequest);
  if (initialize) {
    // Name and capabilities are only sent at initialize; keep them with the session for later requests.
    await rememberClient(deps.store, callerFrom(req.auth), {
      name: initialize.params.clientInfo.name,
      urlElicitation: initialize.params.capabilities.elicitation?.url !== undefined,
    });
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !messages.some(isLongPoll),
  });
  const server = build();
  res.on('close', () => void server.close());
  await server.connect(transport);
  await sendWebResponse(await transport.handleRequest(request, options), res);
}

/** A 2026-07-28 client names itself in every request; the connect-time server/discover is where we record it. */
async function rememberModernClient(deps: ToolDeps, req: McpHttpRequest): Promise<void> {
  const body = req.body as { method?: unknown; params?: { _meta?: Record<string, unknown> } } | undefined;
  if (body?.method !== 'server/discover') return;
  const info = body.params?._meta?.[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined;
  await rememberClient(deps.store, callerFrom(req.auth), {
    name: typeof info?.name === 'string' ? info.name : null,
  });
}

/**
 * Servers go back to their pool when their exchange closes (the SDK closes the per-request instance, we close
 * the legacy one): each serves one exchange at a time, as the SDK requires, and is built once.
 */
function serverPool(create: () => McpServer) {
  const idle: McpServer[] = [];
  return {
    take(): McpServer {
      const server = idle.pop() ?? create();
      server.server.onclose = () => {
        server.server.onclose = undefined;
        if (idle.length < MAX_IDLE_SERVERS) idle.push(server);
      };
      return server;
    },
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
export function methodNotAllowed(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Allow', 'POST');
  sendJson(res, 405, {
    jsonrpc: '2.0',
    error: { code: -32000, message: 'Method not allowed: this server is stateless, use POST' },
    id: null,
  });
}
