// Builds every part from a validated config and starts the HTTP server; returns a handle to stop it cleanly.
import { createServer, type Server } from 'node:http';
import type { Router } from 'express';
import { AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import { grantKeys } from './grants/keys.js';
import { RedisGrantStore } from './grants/redis-store.js';
import type { Grant } from './grants/types.js';
import { createApp } from './http/app.js';
import { drain, until } from './http/drain.js';
import { GrantJobs, relayGrantEvents } from './jobs/grant-jobs.js';
import { grantJobHandlers, type JobDeps } from './jobs/handlers.js';
import { sweepDeadlines } from './jobs/sweep.js';
import { type SweepTimer, startSweepTimer } from './jobs/sweep-timer.js';
import { createLogger, type Logger } from './lib/logger.js';
import { startPolicyReload } from './lib/policy-reload.js';
import { BearerAuthenticator } from './mcp/auth.js';
import { LongPollCap } from './mcp/long-poll-cap.js';
import { createPendingCap } from './mcp/pending-cap.js';
import { createRequestLimiter } from './mcp/request-limit.js';
import type { ToolDeps } from './mcp/tool-kit.js';
import { WorkGate } from './mcp/work-gate.js';
import { clusterReadiness } from './ops/cluster-health.js';
import { watchQueueDepth } from './ops/metrics.js';
import { MetricsAuditSink } from './ops/metrics-audit-sink.js';
import { startSelfHealing } from './ops/self-healing.js';
import { slackSetupCheck } from './ops/slack-setup-check.js';
import { UpstreamProxy } from './pipes/proxy.js';
import { PipesTokens } from './pipes/tokens.js';
import { createWorkos } from './pipes/workos-client.js';
import { createProviderRegistry } from './providers/registry.js';
import { isCluster, redisFactory } from './redis/connections.js';
import { slotTag } from './redis/key-slot.js';
import { describeRedis } from './redis/settings.js';
import { postedChannel } from './slack/message-refs.js';
import { PostedNotices } from './slack/posted-notices.js';
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
  // Every connection comes from one factory: a single node (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES).
  const connections = redisFactory(config.redis);
  // A stalled Redis (paused, failing over, overloaded) fails the command and the request answers 503 /
  // `unavailable` with Retry-After, instead of every request hanging as long as the stall. Half the setting:
  // an auto-pipeline is only sent once the previous one has settled, so a command can wait one timeout in
  // that queue before its own starts (measured: 4 s answers with the whole 2 s here, at 16 clients).
  const redis = connections.create('commands', {
    commandTimeout: Math.ceil(config.limits.redisCommandTimeoutMs / 2),
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new StartupError(
      `Cannot reach Redis at ${describeRedis(config.redis)} (${(error as Error).message}). Start Redis or set ${
        config.redis.cluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'
      }.`,
    );
  }

  // Pub/sub needs its own connection; it may queue its SUBSCRIBE until connected, unlike the command connection.
  // No command timeout: a timed-out SUBSCRIBE could leave the subscription unknown to ioredis's resubscribe, and
  // nobody waits on it unbounded (each long poll has its own timer and reads through the command connection).
  const subscriber = connections.create('subscriber');
  subscriber.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));

  const workos = createWorkos(config.workos);
  const registry = createProviderRegistry(config.providers, { routePublicApis: config.sandbox });
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
    new AuditLog(redis, `${config.redis.prefix}audit`, logger, config.durations.auditRetentionMs, {
      maxLength: config.durations.auditMaxEntries,
    }),
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

  // Background jobs: BullMQ needs its own connection that never gives up on a command. No commandTimeout and
  // maxRetriesPerRequest null (BullMQ refuses a worker otherwise): its workers block in BZPOPMIN-style commands
  // for seconds by design, and a failed blocking call would stop the worker loop; jobs wait for Redis instead.
  const jobConnection = connections.create('jobs');
  jobConnection.on('error', (error) => logger.warn({ err: error }, 'redis job connection error'));
  const relaySubscriber = connections.create('subscriber');
  relaySubscriber.on('error', (error) => logger.warn({ err: error }, 'redis relay subscriber error'));
  const jobs = new GrantJobs({
    connection: jobConnection,
    // BullMQ's Lua scripts touch many keys of the queue at once: one hash tag keeps them in one cluster slot.
    prefix: slotTag(config.redis.prefix, 'jobs'),
    logger,
    retentionMs: config.durations.retentionMs,
  });
  const unwatchQueue = watchQueueDepth(jobs.queue, () => jobConnection.status === 'ready');
  // POLICY_FILE reloaded on change and SIGHUP; a bad file leaves the last good policy in force and the admins are
  // told (Slack is built below; the callbacks run later, on a file change).
  const policyReload = startPolicyReload({
    config,
    redis,
    logger,
    onRefused: (problems, inForce) => void slack?.policyNotices.refused(problems, inForce),
    onRestored: (refused, version) => void slack?.policyNotices.restored(refused, version),
  });
  const slack: SlackRuntime | null = config.slack
    ? createSlackRuntime({
        policyProblems: () => policyReload.problems(),
        config,
        slack: config.slack,
        redis,
        store,
        audit,
        registry,
        approvalUrl: approvalLink,
        clickRecorder: jobs.clicks,
        logger,
      })
    : null;
  // The deadline sweep runs on its own timer in every worker (src/jobs/sweep-timer.ts), not as a queued job.
  let sweeper: SweepTimer | null = null;
  if (config.role !== 'web') {
    const jobDeps: JobDeps = {
      store,
      jobs,
      audit,
      messenger: slack?.messenger ?? null,
      reminderAt: config.jobs.reminderAt,
      retentionMs: config.durations.retentionMs,
      auditFeed: slack?.auditFeed ?? null,
      refreshHomes: slack ? () => slack.refreshHomes() : null,
      clicks: slack?.clicks ?? null,
      logger,
      now: Date.now,
    };
    jobs.start(grantJobHandlers(jobDeps));
    await jobs.retireSchedulers();
    if (slack?.auditFeed) await jobs.feedAuditEvery(AUDIT_FEED_EVERY_MS);
    sweeper = startSweepTimer({ sweep: () => sweepDeadlines(jobDeps), everyMs: SWEEP_EVERY_MS, logger });
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
  // On the connection the decision events come on (see PostedNotices): a long poll learns where its request was
  // posted as it happens, in order with its decision.
  const postedNotices = new PostedNotices(subscriber, postedChannel(config.redis.prefix));
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
    longPolls: new LongPollCap(config.limits.maxLongPollsPerUser),
    gate: new WorkGate({ limit: config.limits.maxActiveRequests, maxWaitMs: config.limits.maxQueueWaitMs }),
    pendingCap: createPendingCap(
      redis,
      config.redis.prefix,
      async (id) => (await store.get(id))?.status === 'pending',
    ),
    ...(slack ? { people: slack.people } : {}),
    ...(slack
      ? {
          slackDelivery: async (grantId: string) => {
            const ref = await slack.refs.get(grantId);
            return { delivered: ref !== null, channel: ref?.channel ?? null };
          },
          watchDelivery: (grantId: string) => postedNotices.watch(grantId),
          consentAudience: (grant: Grant, channelId: string | null) =>
            slack.consentAudience(grant, channelId),
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
    ...(slack ? { people: slack.people } : {}),
  });
  const app = createApp({
    config,
    logger,
    redis,
    authenticator: new BearerAuthenticator(config, workos),
    tools,
    // On a cluster, a PING to one node proves little: /readyz also needs every slot served (src/ops/cluster-health.ts).
    readiness: [
      ...healing.readiness,
      slackSetupCheck(slack?.setup ?? null),
      ...(isCluster(redis) ? [clusterReadiness(redis, 1000)] : []),
    ],
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
      // One grace period for everything; each step ends as soon as its work is done (see src/http/drain.ts).
      const deadline = Date.now() + config.limits.shutdownGraceMs;
      const drained = server ? drain(server, deadline) : Promise.resolve();
      shutdown.abort();
      // Wakes every long poll with the grant's current state, so those requests end now.
      await until(store.close(), deadline);
      await until(postedNotices.close(), deadline);
      await drained;
      tools.gate?.close();
      await slack?.stop();
      unwatchQueue();
      await healing.stop();
      policyReload.stop();
      // A sweep round in progress finishes (or gives back what it took) within the grace period; its leases
      // lapse otherwise, and another worker takes them.
      await until(sweeper?.stop() ?? Promise.resolve(), deadline);
      // Running jobs get what is left of the grace period, no more (BullMQ's close can hang on a stalled Redis).
      await until(jobs.close(), deadline);
      await relaySubscriber.quit().catch(() => relaySubscriber.disconnect());
      await jobConnection.quit().catch(() => jobConnection.disconnect());
      await proxy.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Pause between sweeps for passed deadlines: an expiry is applied (and its message re-rendered) within about this. */
const SWEEP_EVERY_MS = 250;

/** How often new audit events are drained into the audit channel's threads. */
const AUDIT_FEED_EVERY_MS = 2000;

async function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(app);
    // A failed listen emits 'error' (and the server never listens): say why in words.
    s.once('error', (error: Error) => reject(listenError(error, config)));
    s.listen(config.port, config.host, () => resolve(s));
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
