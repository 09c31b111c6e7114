// The HTTP front: MCP, OAuth metadata, the consent pages, health/metrics, and (in sandbox mode) the stand-ins' helpers.
// POST /mcp runs on Node's own request and response; everything else is an express app.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../lib/unavailable.js';
import { type BearerAuthenticator, requireBearer } from '../mcp/auth.js';
import { inflightLimit, workGate } from '../mcp/inflight-limit.js';
import { createMetadataRouter, resourceMetadataUrl } from '../mcp/metadata.js';
import { createMcpHandler, type McpHttpRequest, methodNotAllowed } from '../mcp/server.js';
import type { ToolDeps } from '../mcp/tool-kit.js';
import { mcpRejected } from '../ops/metrics.js';
import type { ReadinessCheck } from '../ops/readiness.js';
import { createOpsRouter } from '../ops/router.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { hostGuard } from './host-guard.js';
import { jsonBody } from './json-body.js';
import { type NodeStep, runSteps } from './node-steps.js';
import { sendJson } from './send-json.js';

/** The largest /mcp body we parse (1 MiB); beyond it the answer is 413. */
const MCP_BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppParts {
  config: Config;
  logger: Logger;
  redis: Redis;
  authenticator: BearerAuthenticator;
  tools: ToolDeps;
  /** What /readyz checks (src/ops/ready-checks.ts). */
  readiness: ReadinessCheck[];
  /** Routers mounted at the root after ours: the consent pages, sandbox helpers. */
  routers: Router[];
}

/** The server's request listener: `POST /mcp` (exactly) straight to its steps, anything else to express. */
export function createApp(parts: AppParts): RequestListener {
  const { config, logger, redis } = parts;
  const app = express();
  app.disable('x-powered-by');
  const guardHosts = hostGuard(config.allowedHosts, config.publicUrl);
  const noSniff: NodeStep = (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
  const redisReady: NodeStep = (_req, res, next) => {
    if (redis.status === 'ready') return next();
    mcpRejected.inc({ reason: 'unavailable' });
    unavailable(res);
  };
  const bearer = requireBearer(parts.authenticator, resourceMetadataUrl(config.publicUrl), logger);
  const mcpSteps: NodeStep<McpHttpRequest>[] = [
    // The same host guard and headers as every other route.
    guardHosts,
    noSniff,
    // Before any work, so an overloaded instance sheds a request before spending anything on it.
    inflightLimit(config.limits.maxInflightRequests),
    redisReady,
    bearer,
    // Then in line for a turn: a bounded number worked on at once keeps the event loop's turns short. After the
    // bearer check, whose rare WorkOS or JWKS lookups would otherwise hold a turn while they wait.
    ...(parts.tools.gate ? [workGate(parts.tools.gate)] : []),
    jsonBody({ limit: MCP_BODY_LIMIT_BYTES }),
    createMcpHandler(parts.tools),
  ];
  const answerError = errorAnswerer(logger);
  const serveMcp = runSteps(mcpSteps, answerError);
  // The other spellings express matches ('/mcp/', '/MCP', a query string) take the same steps through it; first,
  // so the router matches them before walking the ops routes (which keep their own host rules, ahead of the guard).
  app.post('/mcp', ...(mcpSteps as express.RequestHandler[]));
  // Health, readiness and metrics: ahead of the host guard, with their own (see src/ops/router.ts).
  app.use(
    createOpsRouter({
      allowedHosts: config.allowedHosts,
      publicUrl: config.publicUrl,
      checks: parts.readiness,
    }),
  );
  app.use(guardHosts);
  app.use(noSniff);

  // Authentication before the 405: a client probing with GET (as spec-following clients do) must meet the
  // 401 challenge that starts OAuth discovery, not a 405 it may take as "no server here".
  app.get('/mcp', bearer, methodNotAllowed);
  app.delete('/mcp', bearer, methodNotAllowed);
  // After /mcp: its paths are all under /.well-known, so the hot route need not walk it.
  app.use(createMetadataRouter(config));

  for (const router of parts.routers) app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => answerError(error, req, res);
  app.use(onError);
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/mcp') serveMcp(req, res);
    else app(req, res);
  };
}

/** The answer to an error a step passed on, for /mcp's steps and express's routes alike. */
function errorAnswerer(logger: Logger) {
  return (error: unknown, req: IncomingMessage, res: ServerResponse): void => {
    const status = (error as { status?: number; type?: string }).status;
    if (status === 400 || status === 413) {
      // Body parser errors: say what was wrong with the input, nothing more.
      const message = status === 413 ? 'Request body too large' : 'Request body is not valid JSON';
      sendJson(res, status, { jsonrpc: '2.0', error: { code: -32700, message }, id: null });
      return;
    }
    const path = pathOf(req);
    if (isUnavailable(error)) {
      // Outside a tool call (e.g. initialize recording the session) there is no tool result to carry it.
      logger.warn({ err: error, path }, 'request answered 503: Redis did not answer');
      if (path === '/mcp') mcpRejected.inc({ reason: 'unavailable' });
      if (!res.headersSent) unavailable(res);
      return;
    }
    logger.error({ err: error, path }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
  };
}

/** The request's path without its query, as express's req.path gives it. */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** 503 with Retry-After, as a JSON-RPC error (an MCP client reads it) that also names the OAuth-style code. */
function unavailable(res: ServerResponse): void {
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  sendJson(res, 503, {
    jsonrpc: '2.0',
    error: { code: -32000, message: UNAVAILABLE_MESSAGE, data: { error: 'unavailable' } },
    id: null,
  });
}
