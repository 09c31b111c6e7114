// Wires the self-healing pieces for one process: the persistence check at start, the data-epoch detector and
// its report, the worker heartbeat and scheduler re-creation (worker roles), and the /readyz checks over them.

import type { Config } from '../config.js';
import { type GrantJobs, SCHEDULER } from '../jobs/grant-jobs.js';
import type { Logger } from '../lib/logger.js';
import { isCluster, type RedisClient as Redis } from '../redis/connections.js';
import { heartbeatKey, instanceId, WorkerHeartbeat } from './heartbeat.js';
import type { ReadinessCheck } from './readiness.js';
import { epochCheck, redisCheck, schedulersCheck, slackCheck, workersCheck } from './ready-checks.js';
import { RedisEpoch } from './redis-epoch.js';
import { checkRedisPersistence } from './redis-persistence.js';
import { type ResetNoticeTarget, reportResets } from './reset-report.js';
import { shardEpochKeys } from './shard-epochs.js';
import { startUpkeep, UPKEEP_EVERY_MS, type UpkeepTask } from './upkeep.js';

export interface SelfHealingDeps {
  config: Config;
  /** The command connection (fails fast while Redis is away). */
  redis: Redis;
  /** BullMQ's connection: its 'ready' after a reconnect re-creates the schedulers at once. */
  jobConnection: Redis;
  jobs: GrantJobs;
  /** The bot's client, for the reset notice; null without Slack. */
  slackClient: ResetNoticeTarget['client'] | null;
  logger: Logger;
  /** How often the upkeep runs (default UPKEEP_EVERY_MS). */
  everyMs?: number;
}

export interface SelfHealing {
  readiness: ReadinessCheck[];
  epoch: RedisEpoch;
  /** Runs the upkeep now (tests, and right after start). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSelfHealing(deps: SelfHealingDeps): Promise<SelfHealing> {
  const { config, redis, jobs, logger } = deps;
  const prefix = config.redis.prefix;
  const worker = config.role !== 'web';
  await checkRedisPersistence(redis, logger);

  const epoch = new RedisEpoch(
    redis,
    `${prefix}epoch`,
    reportResets({
      redis,
      prefix,
      logger,
      slack:
        deps.slackClient && config.slack
          ? {
              client: deps.slackClient,
              auditChannel: config.slack.auditChannel,
              admins: config.slack.adminUsers,
            }
          : null,
    }),
    Date.now,
    isCluster(redis) ? shardEpochKeys(redis, prefix) : null,
  );
  const instance = instanceId();
  const heartbeat = worker ? new WorkerHeartbeat(redis, heartbeatKey(prefix), instance) : null;
  const tasks: UpkeepTask[] = [{ name: 'epoch', run: async () => void (await epoch.check()) }];
  if (heartbeat) {
    tasks.push({ name: 'heartbeat', run: () => heartbeat.beat() });
    tasks.push({
      name: 'schedulers',
      async run() {
        const recreated = await jobs.ensureSchedulers();
        if (recreated.length > 0)
          logger.warn({ schedulers: recreated }, 'job schedulers were missing; re-created');
      },
    });
  }
  const upkeep = startUpkeep({
    tasks,
    everyMs: deps.everyMs ?? UPKEEP_EVERY_MS,
    reconnects: [redis, deps.jobConnection],
    logger,
  });
  // The first round adopts the epoch and announces this worker before readiness is asked.
  await upkeep.runNow();

  // The deadline sweep has no scheduler (it runs on a timer in every worker): the workers check covers it.
  const schedulerIds = config.slack?.auditChannel ? [SCHEDULER.auditFeed] : [];
  const readiness: ReadinessCheck[] = [
    redisCheck(redis, `${prefix}readyz:${instance}`),
    schedulersCheck(jobs.queue, schedulerIds, () => deps.jobConnection.status === 'ready'),
    workersCheck(redis, heartbeatKey(prefix), config.role),
    epochCheck(() => epoch.state()),
    slackCheck(config.slack !== null),
  ];
  return {
    readiness,
    epoch,
    runNow: upkeep.runNow,
    async stop() {
      await upkeep.stop();
      await heartbeat?.stop().catch(() => undefined);
    },
  };
}
