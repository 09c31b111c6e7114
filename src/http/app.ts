// The express app: MCP, OAuth metadata, the consent pages, health/metrics, and (in sandbox mode) the stand-ins' helpers.
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../lib/unavailable.js';
import { type BearerAuthenticator, requireBearer } from '../mcp/auth.js';
import { inflightLimit, workGate } from '../mcp/inflight-limit.js';
import { createMetadataRouter, resourceMetadataUrl } from '../mcp/metadata.js';
import { createMcpHandler, methodNotAllowed } from '../mcp/server.js';
import type { ToolDeps } from '../mcp/tool-kit.js';
import { mcpRejected } from '../ops/metrics.js';
import type { ReadinessCheck } from '../ops/readiness.js';
import { createOpsRouter } from '../ops/router.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { hostGuard } from './host-guard.js';
import { jsonBody } from './json-body.js';

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

export function createApp(parts: AppParts): express.Express {
  const { config, logger, redis } = parts;
  const app = express();
  app.disable('x-powered-by');
  const guardHosts = hostGuard(config.allowedHosts, config.publicUrl);
  const noSniff: express.RequestHandler = (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
  const redisReady: express.RequestHandler = (_req, res, next) => {
    if (redis.status === 'ready') return next();
    mcpRejected.inc({ reason: 'unavailable' });
    unavailable(res);
  };
  const bearer = requireBearer(parts.authenticator, resourceMetadataUrl(config.publicUrl), logger);
  // The hot route first, with the same host guard and headers as every other: the router matches it before
  // walking the ops routes (which keep their own host rules, ahead of the guard).
  app.post(
    '/mcp',
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
  );
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
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const status = (error as { status?: number; type?: string }).status;
    if (status === 400 || status === 413) {
      // Body parser errors: say what was wrong with the input, nothing more.
      const message = status === 413 ? 'Request body too large' : 'Request body is not valid JSON';
      res.status(status).json({ jsonrpc: '2.0', error: { code: -32700, message }, id: null });
      return;
    }
    if (isUnavailable(error)) {
      // Outside a tool call (e.g. initialize recording the session) there is no tool result to carry it.
      logger.warn({ err: error, path: req.path }, 'request answered 503: Redis did not answer');
      if (req.path === '/mcp') mcpRejected.inc({ reason: 'unavailable' });
      if (!res.headersSent) unavailable(res);
      return;
    }
    logger.error({ err: error, path: req.path }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error' });
  };
  app.use(onError);
  return app;
}

/** 503 with Retry-After, as a JSON-RPC error (an MCP client reads it) that also names the OAuth-style code. */
function unavailable(res: express.Response): void {
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(503).json({
    jsonrpc: '2.0',
    error: { code: -32000, message: UNAVAILABLE_MESSAGE, data: { error: 'unavailable' } },
    id: null,
  });
}
