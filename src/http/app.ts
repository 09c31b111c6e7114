// The express app: MCP, OAuth metadata, the consent pages, health/metrics, and (in sandbox mode) the stand-ins' helpers.
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { type BearerAuthenticator, requireBearer } from '../mcp/auth.js';
import { createMetadataRouter, resourceMetadataUrl } from '../mcp/metadata.js';
import { createMcpHandler, methodNotAllowed } from '../mcp/server.js';
import type { ToolDeps } from '../mcp/tool-kit.js';
import { clusterHealth } from '../ops/cluster-health.js';
import { createOpsRouter } from '../ops/router.js';
import { isCluster, type RedisClient as Redis } from '../redis/connections.js';
import { hostGuard } from './host-guard.js';

export interface AppParts {
  config: Config;
  logger: Logger;
  redis: Redis;
  authenticator: BearerAuthenticator;
  tools: ToolDeps;
  /** Routers mounted at the root after ours: the consent pages, sandbox helpers. */
  routers: Router[];
}

export function createApp(parts: AppParts): express.Express {
  const { config, logger, redis } = parts;
  const app = express();
  app.disable('x-powered-by');
  // Health, readiness and metrics: ahead of the host guard, with their own (see src/ops/router.ts).
  app.use(
    createOpsRouter({
      allowedHosts: config.allowedHosts,
      redis,
      slackConfigured: config.slack !== null,
      ...(isCluster(redis) ? { redisCluster: () => clusterHealth(redis, 1000) } : {}),
    }),
  );
  app.use(hostGuard(config.allowedHosts));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.use(createMetadataRouter(config));

  const redisReady: express.RequestHandler = (_req, res, next) => {
    if (redis.status === 'ready') return next();
    res.setHeader('Retry-After', '5');
    res
      .status(503)
      .json({ error: 'temporarily_unavailable', error_description: 'Storage is unavailable; retry shortly' });
  };
  app.post(
    '/mcp',
    redisReady,
    requireBearer(parts.authenticator, resourceMetadataUrl(config.publicUrl), logger),
    express.json({ limit: '1mb' }),
    createMcpHandler(parts.tools),
  );
  app.get('/mcp', methodNotAllowed);
  app.delete('/mcp', methodNotAllowed);

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
    logger.error({ err: error, path: req.path }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error' });
  };
  app.use(onError);
  return app;
}
