// The Bolt app inside our server: HTTP mode on /slack/events (our express app owns the socket) or Socket Mode.
import { App, type Authorize, ExpressReceiver, LogLevel, type ReceiverEvent } from '@slack/bolt';
import webapi from '@slack/web-api';
import { Router as createRouter, type Router } from 'express';
import type { SlackConfig } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { interactionType, slackAckSeconds } from '../ops/metrics.js';
import { observeSlackCall, slackOutcome } from '../ops/slack-health.js';
import { guardAcks } from './ack-guard.js';
import { refuseFutureTimestamps } from './future-timestamp.js';
import { registerListeners, type SlackDeps } from './listeners/index.js';
import { slackLogger } from './slack-logger.js';

export interface SlackApp {
  app: App;
  /** Mount at the root in HTTP mode; null in Socket Mode. */
  router: Router | null;
  /** Our workspace (SLACK_TEAM_ID, else auth.test's answer once Slack gave it). */
  teamId(): Promise<string | undefined>;
  /** Never throws: an unreachable Slack is logged and retried, the process keeps serving. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const SLACK_EVENTS_PATH = '/slack/events';

interface Identity {
  botId?: string;
  botUserId?: string;
  teamId?: string;
}

/**
 * auth.test is asked once and remembered. Given SLACK_BOT_ID and SLACK_BOT_USER_ID it is never asked; while
 * Slack is unreachable requests are still handled with the bot token alone.
 */
export function cachedAuthorize(
  slack: SlackConfig,
  logger: Logger,
): { authorize: Authorize<boolean>; identity: () => Promise<Identity> } {
  const client = new webapi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: slackLogger(logger),
    retryConfig: { retries: 0 },
    timeout: 5000,
  });
  let known: Identity | null =
    slack.botId && slack.botUserId
      ? { botId: slack.botId, botUserId: slack.botUserId, teamId: slack.teamId }
      : null;
  const identity = async (): Promise<Identity> => {
    if (known) return known;
    try {
      const me = await client.auth.test();
      observeSlackCall('auth.test', 'ok');
      known = { botId: me.bot_id, botUserId: me.user_id, teamId: slack.teamId ?? me.team_id };
      return known;
    } catch (error) {
      observeSlackCall('auth.test', slackOutcome(error));
      logger.warn({ err: error }, 'Slack auth.test failed; will retry on the next request');
      return { teamId: slack.teamId };
    }
  };
  const authorize: Authorize<boolean> = async () => ({ botToken: slack.botToken, ...(await identity()) });
  return { authorize, identity };
}

/**
 * Measures each interaction from Bolt receiving it to `ack()`, in both modes. Done on the event the receiver
 * hands Bolt, not in a global middleware: Bolt passes middleware a copy of the listener arguments, so an `ack`
 * wrapped there would never reach the listeners that call it.
 */
function timeAcks(app: App, onEvent?: () => void): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent) => {
    const started = performance.now();
    // Only requests that passed the signature check get here: proof that Slack reaches us.
    onEvent?.();
    const type = interactionType(event.body);
    let timed = false;
    const ack: ReceiverEvent['ack'] = (response) => {
      if (!timed) {
        timed = true;
        slackAckSeconds.observe({ type }, (performance.now() - started) / 1000);
      }
      return event.ack(response);
    };
    return processEvent({ ...event, ack });
  };
}

export function createSlackApp(
  slack: SlackConfig,
  deps: Omit<SlackDeps, 'teamId'>,
  logger: Logger,
  onEvent?: () => void,
): SlackApp {
  const { authorize, identity } = cachedAuthorize(slack, logger);
  const clientOptions = { slackApiUrl: slack.apiUrl, logger: slackLogger(logger) };
  const boltLogger = slackLogger(logger, 'bolt');
  const logLevel = LogLevel.WARN;
  let app: App;
  let router: Router | null = null;

  if (slack.appToken) {
    app = new App({
      authorize,
      appToken: slack.appToken,
      socketMode: true,
      clientOptions,
      logger: boltLogger,
      logLevel,
    });
  } else {
    router = createRouter();
    // Before Bolt's own check (it allows five minutes ahead): runs first because it is registered first.
    router.post(SLACK_EVENTS_PATH, refuseFutureTimestamps(logger));
    const receiver = new ExpressReceiver({
      signingSecret: slack.signingSecret ?? '',
      router,
      endpoints: SLACK_EVENTS_PATH,
      logger: boltLogger,
      logLevel,
    });
    app = new App({ receiver, authorize, clientOptions, logger: boltLogger, logLevel });
  }
  timeAcks(app, onEvent);
  guardAcks(app, logger);
  app.error(async (error) => {
    logger.error({ err: error }, 'Slack listener failed');
  });
  const teamId = async () => (await identity()).teamId;
  registerListeners(app, { ...deps, teamId });

  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (attempt: number): Promise<void> => {
    try {
      await app.start();
      logger.info('Slack Socket Mode connected');
    } catch (error) {
      if (stopped) return;
      const delay = Math.min(60_000, 1000 * 2 ** attempt);
      logger.warn({ err: error, retryInMs: delay }, 'Slack Socket Mode could not connect');
      retry = setTimeout(() => void connect(attempt + 1), delay);
    }
  };

  return {
    app,
    router,
    teamId,
    async start() {
      void identity();
      if (slack.appToken) void connect(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      if (slack.appToken) await app.stop().catch(() => undefined);
    },
  };
}
