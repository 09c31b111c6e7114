// A SlackAuditFeed wired as src/slack/runtime.ts wires it (GatedWebClient + SlackRetryGate), against the Slack
// stand-in, a real RedisGrantStore and a real AuditLog writing the audit stream. One prefix per world.
import { randomBytes } from 'node:crypto';
import { type AuditEvent, AuditLog, auditStreamKey } from '../../../src/audit/audit-log.js';
import { RedisGrantStore } from '../../../src/grants/redis-store.js';
import type { Actor, Grant, SessionIdentity } from '../../../src/grants/types.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import type { SlackMessage } from '../../../src/sandbox/slack/types.js';
import { SlackAuditFeed } from '../../../src/slack/audit-feed.js';
import { GatedWebClient } from '../../../src/slack/gated-web-client.js';
import type { ViewContext } from '../../../src/slack/ids.js';
import { MessageRefs } from '../../../src/slack/message-refs.js';
import { SlackRetryGate } from '../../../src/slack/retry-gate.js';
import { slackLogger } from '../../../src/slack/slack-logger.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-audit-feed-${randomBytes(6).toString('hex')}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BOT_TOKEN = `xoxb-it-${randomBytes(8).toString('hex')}`;
const logger = createLogger('silent');

export const AUDIT = 'C0GENERAL';
export const APPROVALS = 'C0APPROVALS';
export const ALICE_EMAIL = 'alice@sandbox.test';
export const BOB: Actor = { type: 'user', id: 'U0BOB', email: 'bob@sandbox.test', name: 'Bob', via: 'slack' };
/** Mallory clicks a button she may not press: the app records grant.decision_refused with her Slack id. */
export const MALLORY = 'U0MALLORY';

/** What a view needs, as data: Alice is in the stand-in's workspace, decisions in Slack name the Slack user. */
async function viewContext(grant: Grant): Promise<ViewContext> {
  return {
    requester: {
      email: grant.owner.userEmail,
      slackUserId: grant.owner.userEmail === ALICE_EMAIL ? 'U0ALICE' : null,
    },
    providerNames: { linear: 'Linear', notion: 'Notion' },
    maxAccessMs: HOUR,
    defaultAccessMs: 5 * MINUTE,
    approvalUrl: null,
    deciderSlackUserId: grant.decidedBy?.via === 'slack' ? grant.decidedBy.id : null,
    now: Date.now(),
  };
}

export interface FeedWorld {
  standIn: SlackStandIn;
  store: RedisGrantStore;
  refs: MessageRefs;
  /** A feed instance with its own Redis connection and client, as another process would have. */
  feed(): SlackAuditFeed;
  /** Writes the event through the AuditLog and waits until it is in the stream. */
  record(event: AuditEvent): Promise<void>;
  /** A new pending broad grant (write, Linear + Notion, 30 min) for Alice, in its own session. */
  request(): Promise<Grant>;
  /** Messages in the audit channel, parents and replies, in posting order. */
  lines(): SlackMessage[];
  close(): Promise<void>;
}

let worlds = 0;

export async function startFeedWorld(): Promise<FeedWorld> {
  worlds += 1;
  const prefix = `${RUN}-${worlds}:`;
  const standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: randomBytes(16).toString('hex'),
  });
  const connections: Redis[] = [];
  const connect = () => {
    const redis = testRedis();
    connections.push(redis);
    return redis;
  };
  const redis = connect();
  const store = new RedisGrantStore(redis, {
    prefix,
    retentionMs: 24 * HOUR,
    sessionTtlMs: 24 * HOUR,
    decisionWindowMs: 5 * MINUTE,
    maxAccessMs: HOUR,
  });
  const audit = new AuditLog(redis, auditStreamKey(prefix), logger);
  const refs = new MessageRefs(redis, prefix, 24 * HOUR);
  let sessions = 0;
  const feed = () => {
    const own = connect();
    const gate = new SlackRetryGate(own, `${prefix}slack:retry-until`);
    const client = new GatedWebClient(
      BOT_TOKEN,
      { slackApiUrl: standIn.apiUrl, logger: slackLogger(logger), timeout: 10_000 },
      gate,
    );
    return new SlackAuditFeed({
      redis: own,
      logger,
      prefix,
      streamKey: auditStreamKey(prefix),
      channel: AUDIT,
      client,
      store,
      refs: new MessageRefs(own, prefix, 24 * HOUR),
      viewContext,
      retentionMs: 24 * HOUR,
    });
  };
  return {
    standIn,
    store,
    refs,
    feed,
    async record(event) {
      audit.record(event);
      // Same connection, so this answers after the (fire-and-forget) XADD.
      await redis.xlen(auditStreamKey(prefix));
    },
    async request() {
      sessions += 1;
      const owner: SessionIdentity = {
        sid: `sess_${sessions}`,
        organizationId: 'org_1',
        userId: 'user_alice',
        userEmail: ALICE_EMAIL,
      };
      const { grant } = await store.createBroad({
        owner,
        clientName: 'claude-code',
        reason: 'triage the backlog',
        level: 'write',
        providers: ['linear', 'notion'],
        durationMs: 30 * MINUTE,
      });
      return grant;
    },
    lines: () => standIn.messages(AUDIT),
    async close() {
      await store.close();
      await standIn.close();
      await Promise.all(connections.map((c) => c.quit()));
    },
  };
}

/** Deletes every key of every world of this file (afterAll). */
export const cleanUpFeeds = () => deleteKeys([`${RUN}-*`]);

/** The audit events the app writes for a grant's lifecycle steps (the fields the feed reads, and a few more). */
export const events = {
  requested: (g: Grant): AuditEvent => ({
    type: 'grant.requested',
    grantId: g.id,
    kind: g.kind,
    userId: g.owner.userId,
    actor: { type: 'assistant', id: g.owner.userId, via: 'mcp' },
    level: g.requestedLevel,
    providers: g.requestedProviders,
  }),
  bySlack: (type: AuditEvent['type'], g: Grant, slackUserId: string, detail?: string): AuditEvent => ({
    type,
    grantId: g.id,
    kind: g.kind,
    userId: g.owner.userId,
    actor: { type: 'user', id: slackUserId, via: 'slack' },
    ...(detail ? { detail } : {}),
  }),
};
