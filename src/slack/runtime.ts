// Everything Slack needs, built from config: clients, directory, message refs, the messenger and the Bolt app.
import webapi from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AuditSink } from '../audit/audit-log.js';
import type { Config, SlackConfig } from '../config.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { Logger } from '../lib/logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { createSlackApp, type SlackApp } from './app.js';
import { SlackDirectory } from './directory.js';
import { MessageRefs } from './message-refs.js';
import { SlackMessenger } from './messenger.js';
import { GatedWebClient, SlackRetryGate } from './retry-gate.js';
import { slackLogger } from './slack-logger.js';

export interface SlackRuntime {
  messenger: SlackMessenger;
  refs: MessageRefs;
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
  logger: Logger;
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
  const directory = new SlackDirectory(lookupClient);
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
  const app = createSlackApp(
    slack,
    {
      slack,
      policy: config.policy,
      store: deps.store,
      directory,
      refs,
      messenger,
      audit: deps.audit,
      logger,
      now: Date.now,
    },
    logger,
  );
  return { messenger, refs, router: app.router, start: app.start, stop: app.stop };
}
