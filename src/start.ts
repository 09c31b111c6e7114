// Builds every part from a validated config and starts the HTTP server; returns a handle to stop it cleanly.
import type { Server } from 'node:http';
import type { Router } from 'express';
import { Redis } from 'ioredis';
import { AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import { grantKeys } from './grants/keys.js';
import { RedisGrantStore } from './grants/redis-store.js';
import type { Grant } from './grants/types.js';
import { createApp } from './http/app.js';
import { GrantJobs, relayGrantEvents } from './jobs/grant-jobs.js';
import { grantJobHandlers } from './jobs/handlers.js';
import { createLogger, type Logger } from './lib/logger.js';
import { BearerAuthenticator } from './mcp/auth.js';
import { createRequestLimiter } from './mcp/request-limit.js';
import type { ToolDeps } from './mcp/tool-kit.js';
import { watchQueueDepth } from './ops/metrics.js';
import { MetricsAuditSink } from './ops/metrics-audit-sink.js';
import { startSelfHealing } from './ops/self-healing.js';
import { slackSetupCheck } from './ops/slack-setup-check.js';
import { UpstreamProxy } from './pipes/proxy.js';
import { PipesTokens } from './pipes/tokens.js';
import { createWorkos } from './pipes/workos-client.js';
import { createProviderRegistry } from './providers/registry.js';
import { createSlackRuntime, type SlackRuntime } from './slack/runtime.js';
import { approvalUrl, issueApprovalToken } from './web/approval-token.js';
import { createConsentRouter } from './web/consent-router.js';

export interface RunningServer {
  /** Null for a worker, which does not listen. */
  url: string | null;
  port: number;
  logger: Logger;
  close(): Promise<void>;
}

export class StartupError extends Error {}

export async function startServer(config: Config, extraRouters: Router[] = []): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    // Fail fast while Redis is away so requests get a 503 instead of hanging in an offline queue.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3000,
    // Concurrent tool calls share round trips: the hot path sends several small commands per call.
    enableAutoPipelining: true,
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new StartupError(
      `Cannot reach Redis at ${config.redis.url} (${(error as Error).message}). Start Redis or set REDIS_URL.`,
    );
  }

  // Pub/sub needs its own connection; it may queue its SUBSCRIBE until connected, unlike the command connection.
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));

  const workos = createWorkos(config.workos);
  const registry = createProviderRegistry(config.providers);
  const store = new RedisGrantStore(redis, {
    prefix: config.redis.prefix,
    retentionMs: config.durations.retentionMs,
    sessionTtlMs: config.durations.sessionTtlMs,
    decisionWindowMs: config.durations.decisionWindowMs,
    maxAccessMs: config.durations.maxAccessMs,
    requestAccessMs: config.durations.defaultAccessMs,
    subscriber,
  });
  const audit = new MetricsAuditSink(
    new AuditLog(redis, `${config.redis.prefix}audit`, logger, config.durations.auditRetentionMs),
    (id) => store.get(id),
  );
  const tokens = new PipesTokens(workos);
  const proxy = new UpstreamProxy(config.upstream);
  const approvalLink = async (grant: Grant) =>
    approvalUrl(
      config.publicUrl,
      await issueApprovalToken(config.secrets.approvalToken, {
        grantId: grant.id,
        userId: grant.owner.userId,
        expiresAt: grant.decideBy,
      }),
    );

  // Background jobs: BullMQ needs its own connection that never gives up on a command.
  const jobConnection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  jobConnection.on('error', (error) => logger.warn({ err: error }, 'redis job connection error'));
  const relaySubscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  relaySubscriber.on('error', (error) => logger.warn({ err: error }, 'redis relay subscriber error'));
  const jobs = new GrantJobs({
    connection: jobConnection,
    prefix: `{${config.redis.prefix.replace(/[:{}]/g, '')}-jobs}`,
    logger,
  });
  const unwatchQueue = watchQueueDepth(jobs.queue, () => jobConnection.status === 'ready');
  const slack: SlackRuntime | null = config.slack
    ? createSlackRuntime({
        config,
        slack: config.slack,
        redis,
        store,
        audit,
        registry,
        approvalUrl: approvalLink,
        logger,
      })
    : null;
  if (config.role !== 'web') {
    jobs.start(
      grantJobHandlers({
        store,
        jobs,
        audit,
        messenger: slack?.messenger ?? null,
        reminderAt: config.jobs.reminderAt,
        auditFeed: slack?.auditFeed ?? null,
        refreshHomes: slack ? () => slack.refreshHomes() : null,
        now: Date.now,
      }),
    );
    await jobs.sweepEvery(SWEEP_EVERY_MS);
    if (slack?.auditFeed) await jobs.feedAuditEvery(AUDIT_FEED_EVERY_MS);
  }
  // Schedulers re-created and the data epoch checked every few seconds and on each reconnect; /readyz's checks.
  const healing = await startSelfHealing({
    config,
    redis,
    jobConnection,
    jobs,
    slackClient: slack?.client ?? null,
    logger,
  });
  // Every role relays: the deterministic job ids make duplicates from several instances a no-op.
  await relayGrantEvents(relaySubscriber, grantKeys(config.redis.prefix).events, jobs, logger);

  const shutdown = new AbortController();
  const tools: ToolDeps = {
    config,
    shutdown: shutdown.signal,
    store,
    registry,
    tokens,
    proxy,
    workos,
    audit,
    logger,
    approvalUrl: approvalLink,
    allowRequest: createRequestLimiter(redis, config.redis.prefix, config.policy.requestsPerMinute),
    ...(slack
      ? {
          slackDelivery: async (grantId: string) => {
            const ref = await slack.refs.get(grantId);
            return { delivered: ref !== null, channel: ref?.channel ?? null };
          },
        }
      : {}),
    grantUsed: (grantId: string) => {
      jobs
        .usage(grantId, config.jobs.usageRefreshMs)
        .catch((error: unknown) => logger.warn({ err: error, grantId }, 'usage enqueue failed'));
    },
    now: Date.now,
  };
  const consent = createConsentRouter({
    config,
    store,
    workos,
    audit,
    logger,
    providerNames: (id: string) => registry.get(id)?.displayName ?? id,
  });
  const app = createApp({
    config,
    logger,
    redis,
    authenticator: new BearerAuthenticator(config, workos),
    tools,
    readiness: [...healing.readiness, slackSetupCheck(slack?.setup ?? null)],
    routers: [consent, ...(slack?.router ? [slack.router] : []), ...extraRouters],
  });
  // A worker only runs jobs: it neither listens nor talks to Slack's interactive side.
  const server = config.role === 'worker' ? null : await listen(app, config);
  if (server) await slack?.start();
  const port = server ? (server.address() as { port: number }).port : 0;
  const url = server
    ? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    : null;

  return {
    url,
    port,
    logger,
    /** Graceful: stop taking requests, answer open long polls, let running jobs finish, then disconnect. */
    async close() {
      const drained = server ? drain(server, SHUTDOWN_GRACE_MS) : Promise.resolve();
      shutdown.abort();
      // Wakes every long poll with the grant's current state, so those requests end now.
      await store.close();
      await drained;
      await slack?.stop();
      unwatchQueue();
      await healing.stop();
      // BullMQ's close can hang when Redis has just come back; running jobs get the grace period, no more.
      await Promise.race([
        jobs.close(),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
      ]);
      await relaySubscriber.quit().catch(() => relaySubscriber.disconnect());
      await jobConnection.quit().catch(() => jobConnection.disconnect());
      await proxy.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** How often passed deadlines are swept: an expiry is applied (and its message re-rendered) within this. */
const SWEEP_EVERY_MS = 250;

/** How often new audit events are drained into the audit channel's threads. */
const AUDIT_FEED_EVERY_MS = 2000;

/** In-flight requests get this long to finish after SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

async function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 hands a failed listen to this callback (and the server never listens): say why in words.
    const s = app.listen(config.port, config.host, (error?: Error) =>
      error ? reject(listenError(error, config)) : resolve(s),
    );
  });
  // Long polls hold requests up to 25 s; keep-alive must outlast a client's idle gap.
  server.keepAliveTimeout = 65_000;
  return server;
}

function listenError(error: Error, config: Config): Error {
  const code = (error as { code?: string }).code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `port ${config.port} is in use on ${config.host} (another countersign?); set PORT`,
    );
  if (code === 'EACCES') return new StartupError(`not allowed to listen on ${where}; pick a port above 1024`);
  if (code === 'EADDRNOTAVAIL')
    return new StartupError(`${config.host} is not an address of this machine; set HOST`);
  return new StartupError(`cannot listen on ${where}: ${error.message}`);
}

function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
