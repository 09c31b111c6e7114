// Everything Slack needs, built from config: clients, directory, message refs, the messenger and the Bolt app.

import webapi from '@slack/web-api';
import type { AuditSink } from '../audit/audit-log.js';
import type { Config, SlackConfig } from '../config.js';
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { ClickRecorder } from '../jobs/click-queue.js';
import type { Logger } from '../lib/logger.js';
import type { ConsentAudience } from '../mcp/consent-wording.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { createSlackApp, type SlackApp } from './app.js';
import { SlackAuditFeed } from './audit-feed.js';
import { AuditQuery } from './audit-query.js';
import { ClickDesk } from './click-desk.js';
import { ClickTeller, responseOrigins } from './click-tell.js';
import { consentAudience } from './consent-audience.js';
import { SlackDirectory } from './directory.js';
import { GatedWebClient } from './gated-web-client.js';
import { HomePublisher } from './home-publisher.js';
import { MessageRefs } from './message-refs.js';
import { SlackMessenger } from './messenger.js';
import { PolicyNotices } from './policy-notice.js';
import { slackPeople } from './policy-people.js';
import { SlackRetryGate } from './retry-gate.js';
import { SlackSetupMonitor } from './setup-monitor.js';
import { slackLogger } from './slack-logger.js';

export interface SlackRuntime {
  messenger: SlackMessenger;
  refs: MessageRefs;
  /** The bot's client as jobs use it (honours Slack's Retry-After), for notices outside a grant's flow. */
  client: webapi.WebClient;
  /** Null without AUDIT_CHANNEL. */
  auditFeed: SlackAuditFeed | null;
  /** Applies recorded clicks (inline from the listeners, and for the click job). */
  clicks: ClickDesk;
  /** The Slack self-check (start, every 10 min, /countersign check): /readyz, admins' Home and DM. */
  setup: SlackSetupMonitor;
  /** A refused POLICY_FILE (and a good one again) told to the admins and the audit channel, once per fleet. */
  policyNotices: PolicyNotices;
  /** Re-publishes the Homes of recent viewers (the homes job). */
  refreshHomes(): Promise<void>;
  /** Slack ids and user groups for the approval policy (cached directory). */
  people: PeopleLookup;
  /** Who will approve a grant and where, by name, for the MCP consent message (bounded cached lookups). */
  consentAudience(grant: Grant, posted: string | null): Promise<ConsentAudience>;
  router: SlackApp['router'];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackRuntimeDeps {
  config: Config;
  slack: SlackConfig;
  redis: Redis;
  store: GrantStore;
  audit: AuditSink;
  registry: ProviderRegistry;
  approvalUrl(grant: Grant): Promise<string>;
  /** Where clicks are recorded durably (the click job's queue). */
  clickRecorder: ClickRecorder;
  logger: Logger;
  /** Why the last POLICY_FILE reload was refused, shown to admins in App Home beside the setup problems. */
  policyProblems?: () => string[];
}

export function createSlackRuntime(deps: SlackRuntimeDeps): SlackRuntime {
  const { config, slack, logger } = deps;
  // Jobs hand Slack's 429s to the queue (which waits without burning attempts); lookups retry briefly themselves.
  const gate = new SlackRetryGate(deps.redis, `${config.redis.prefix}slack:retry-until`);
  const jobClient = new GatedWebClient(
    slack.botToken,
    { slackApiUrl: slack.apiUrl, logger: slackLogger(logger), timeout: 10_000 },
    gate,
  );
  const lookupClient = new webapi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 2000 },
    logger: slackLogger(logger),
    timeout: 5000,
  });
  // Shared by every instance through Redis: a click is decided without a Slack round trip on the common path,
  // and with what Slack last said while it errors.
  const directory = new SlackDirectory(lookupClient, {
    redis: deps.redis,
    prefix: config.redis.prefix,
    onRedisError: (error) => logger.warn({ err: error }, 'Slack directory cache: Redis failed'),
    onStale: (key, ageMs, error) =>
      logger.info({ err: error, key, ageMs }, 'Slack lookup failed; using what Slack said before'),
  });
  const admins = async () => {
    const members = await Promise.all(
      slack.adminGroups.map((id) => directory.groupMembers(id).catch(() => [])),
    );
    return [...new Set([...slack.adminUsers, ...members.flat()])];
  };
  const post = async (channel: string, text: string) =>
    void (await jobClient.chat.postMessage({ channel, text }));
  const policyNotices = new PolicyNotices({
    redis: deps.redis,
    prefix: config.redis.prefix,
    admins,
    auditChannel: slack.auditChannel,
    post,
    logger,
  });
  const setup = new SlackSetupMonitor({
    client: lookupClient,
    slack,
    httpMode: !slack.appToken,
    redis: deps.redis,
    prefix: config.redis.prefix,
    admins,
    dm: post,
    logger,
    now: Date.now,
  });
  const refs = new MessageRefs(deps.redis, config.redis.prefix, config.durations.retentionMs);
  const providerNames = Object.fromEntries(deps.registry.all().map((p) => [p.id, p.displayName]));
  const messenger = new SlackMessenger({
    client: jobClient,
    slack,
    config,
    directory,
    refs,
    providerNames,
    approvalUrl: deps.approvalUrl,
    usage: (grantId) => deps.store.usage(grantId),
    logger,
    now: Date.now,
  });
  const auditStream = `${config.redis.prefix}audit`;
  const auditQuery = new AuditQuery(deps.redis, auditStream);
  const home = new HomePublisher({
    redis: deps.redis,
    prefix: config.redis.prefix,
    slack,
    policy: config.policy,
    store: deps.store,
    refs,
    directory,
    viewContext: (grant) => messenger.viewContext(grant),
    recentAudit: (count) => auditQuery.lines({ sinceMs: 0 }, count),
    setupProblems: () => [
      ...(deps.policyProblems?.() ?? []).map((p) => `POLICY_FILE refused, the last good policy stays: ${p}`),
      ...(setup.report()?.problems.map((p) => p.message) ?? []),
    ],
    now: Date.now,
  });
  const auditFeed = slack.auditChannel
    ? new SlackAuditFeed({
        redis: deps.redis,
        prefix: config.redis.prefix,
        streamKey: auditStream,
        channel: slack.auditChannel,
        client: jobClient,
        store: deps.store,
        refs,
        viewContext: (grant) => messenger.viewContext(grant),
        retentionMs: config.durations.retentionMs,
        logger,
      })
    : null;
  // Its own gated client: notices keep to Slack's shared Retry-After without queueing behind the jobs' calls.
  const noticeClient = new GatedWebClient(
    slack.botToken,
    { slackApiUrl: slack.apiUrl, logger: slackLogger(logger), timeout: 5000 },
    gate,
  );
  let app: SlackApp | null = null;
  const clicks = new ClickDesk({
    slack,
    policy: config.policy,
    store: deps.store,
    directory,
    refs,
    messenger,
    home,
    audit: deps.audit,
    client: noticeClient,
    recorder: deps.clickRecorder,
    teller: new ClickTeller({
      client: noticeClient,
      responseOrigins: responseOrigins(slack.apiUrl),
      logger,
      now: Date.now,
    }),
    logger,
    teamId: async () => (app ? app.teamId() : slack.teamId),
    now: Date.now,
  });
  app = createSlackApp(
    slack,
    {
      slack,
      policy: config.policy,
      store: deps.store,
      directory,
      refs,
      messenger,
      home,
      clicks,
      auditQuery,
      audit: deps.audit,
      setup,
      logger,
      now: Date.now,
    },
    logger,
    () => setup.noteEvent(),
  );
  return {
    messenger,
    refs,
    client: jobClient,
    auditFeed,
    clicks,
    setup,
    policyNotices,
    refreshHomes: () => home.refreshViewers(jobClient),
    people: slackPeople(directory),
    consentAudience: (grant, posted) =>
      consentAudience(directory, grant, posted, {
        fallback: {
          slackUsers: slack.approverUsers,
          slackGroups: slack.approverGroups,
          emails: config.policy.approverEmails,
        },
        approvalsChannel: slack.approvalsChannel ?? null,
        selfApprove: config.policy.selfApprove,
      }),
    router: app.router,
    async start() {
      await app.start();
      setup.start();
    },
    async stop() {
      setup.stop();
      await app.stop();
    },
  };
}
