// A SlackMessenger wired as src/slack/runtime.ts wires it, against the Slack stand-in and a real Redis.
import { randomBytes } from 'node:crypto';
import webapi from '@slack/web-api';
import type { Config, Level, SlackConfig } from '../../../src/config.js';
import type { Actor, Grant } from '../../../src/grants/types.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { SlackDirectory } from '../../../src/slack/directory.js';
import { MessageRefs } from '../../../src/slack/message-refs.js';
import { SlackMessenger } from '../../../src/slack/messenger.js';
import { slackLogger } from '../../../src/slack/slack-logger.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';
import { advance, HOUR, MINUTE, pendingBroad, T0 } from '../../unit/slack/grant-factory.js';

/** One prefix per test file (each file runs in its own worker process). */
export const PREFIX = `cs-it-messenger-${randomBytes(6).toString('hex')}:`;
const RETENTION_MS = 24 * HOUR;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;

/** The requester: in the stand-in's workspace as U0ALICE. */
export const ALICE = 'U0ALICE';
export const ALICE_EMAIL = 'alice@sandbox.test';
/** An approver deciding in Slack (actor id = Slack user id). */
export const BOB_IN_SLACK: Actor = {
  type: 'user',
  id: 'U0BOB',
  email: 'bob@sandbox.test',
  name: 'Bob',
  via: 'slack',
};
/** The requester deciding on the web consent page (a WorkOS user id, same email). */
export const ALICE_ON_WEB: Actor = { type: 'user', id: 'user_req', email: ALICE_EMAIL, via: 'web' };

let redis: Redis | null = null;
const connection = () => {
  // Auto-pipelined, as the server's connection is (scripts must work on it).
  redis ??= testRedis({ enableAutoPipelining: true });
  return redis;
};

let serial = 0;
/** A pending broad grant (write, Linear + Notion) with a fresh id, requested by Alice unless overridden. */
export function grantFor(over: Partial<Grant> = {}, email = ALICE_EMAIL): Grant {
  const base = pendingBroad(over);
  serial += 1;
  return {
    ...base,
    id: `g_it_${serial}_${randomBytes(3).toString('hex')}`,
    owner: { ...base.owner, userEmail: email },
  };
}

/** The grant as the store records it once `by` approved it (status, decidedBy, approvedAt, expiresAt, history). */
export const approvedBy = (grant: Grant, by: Actor): Grant =>
  advance(grant, 'approved', { by, at: T0 + MINUTE });

export interface WorldOptions {
  selfApprove?: Level | 'none';
  approvalsChannel?: string;
  auditChannel?: string;
  botToken?: string;
  /** The bot's scopes in the stand-in (default: manifest.yml's). */
  scopes?: string[];
  /** Replaces the MessageRefs (same Redis and prefix), e.g. to hold racing workers at a point. */
  refs?: (redis: Redis, prefix: string, retentionMs: number) => MessageRefs;
}

export interface World {
  standIn: SlackStandIn;
  messenger: SlackMessenger;
  refs: MessageRefs;
  close(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: randomBytes(16).toString('hex'),
    ...(options.scopes ? { scopes: options.scopes } : {}),
  });
  const logger = createLogger('silent');
  const slack: SlackConfig = {
    botToken: options.botToken ?? BOT_TOKEN,
    signingSecret: undefined,
    appToken: undefined,
    apiUrl: standIn.apiUrl,
    teamId: standIn.teamId,
    botId: standIn.bot.botId,
    botUserId: standIn.bot.userId,
    approverUsers: [],
    approverGroups: ['S0APPROVERS'],
    approvalsChannel: options.approvalsChannel,
    remindInDm: false,
    adminUsers: [],
    adminGroups: [],
    auditChannel: options.auditChannel,
  };
  const config: Pick<Config, 'policy' | 'durations'> = {
    policy: { selfApprove: options.selfApprove ?? 'write', approverEmails: [], requestsPerMinute: 20 },
    durations: {
      decisionWindowMs: 5 * MINUTE,
      defaultAccessMs: 5 * MINUTE,
      maxAccessMs: HOUR,
      retentionMs: RETENTION_MS,
      sessionTtlMs: 7 * 24 * HOUR,
      userCacheMs: 5 * MINUTE,
    },
  };
  // The same two clients as runtime.ts: jobs hand 429s to the queue, lookups retry briefly.
  const client = new webapi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    logger: slackLogger(logger),
    retryConfig: { retries: 0 },
    timeout: 10_000,
  });
  const lookupClient = new webapi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 2000 },
    logger: slackLogger(logger),
    timeout: 5000,
  });
  const refs = (options.refs ?? ((r, p, ms) => new MessageRefs(r, p, ms)))(
    connection(),
    PREFIX,
    RETENTION_MS,
  );
  const messenger = new SlackMessenger({
    client,
    slack,
    config,
    directory: new SlackDirectory(lookupClient),
    refs,
    providerNames: { linear: 'Linear', notion: 'Notion' },
    approvalUrl: async (grant) => `https://countersign.example.com/approve/${grant.id}?t=test`,
    logger,
    now: () => T0 + 2 * MINUTE,
  });
  return { standIn, messenger, refs, close: () => standIn.close() };
}

/** Deletes this file's keys and closes the connection (afterAll). */
export async function cleanUp(): Promise<void> {
  await deleteKeys([`${PREFIX}*`]);
  await redis?.quit();
  redis = null;
}

/** Action ids of every button, select and input element in the blocks. */
export function actionIds(blocks: unknown): string[] {
  if (Array.isArray(blocks)) return blocks.flatMap(actionIds);
  if (typeof blocks !== 'object' || blocks === null) return [];
  const obj = blocks as Record<string, unknown>;
  const own = typeof obj.action_id === 'string' ? [obj.action_id] : [];
  return [...own, ...Object.values(obj).flatMap(actionIds)];
}

/** All mrkdwn/plain text in the blocks, joined. */
export function textOf(blocks: unknown): string {
  if (Array.isArray(blocks)) return blocks.map(textOf).join('\n');
  if (typeof blocks !== 'object' || blocks === null) return '';
  const obj = blocks as Record<string, unknown>;
  if (typeof obj.text === 'string') return obj.text;
  return Object.values(obj).map(textOf).join('\n');
}

/** MessageRefs whose first `racers` reads wait for one another, so racing workers all see "no message yet". */
export class RefsReadTogether extends MessageRefs {
  private arrived = 0;
  private release: () => void = () => undefined;
  private readonly together = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  constructor(
    redis: Redis,
    prefix: string,
    retentionMs: number,
    private readonly racers: number,
  ) {
    super(redis, prefix, retentionMs);
  }

  override async get(grantId: string) {
    const ref = await super.get(grantId);
    if (this.arrived < this.racers) {
      this.arrived += 1;
      if (this.arrived === this.racers) this.release();
      await this.together;
    }
    return ref;
  }
}
