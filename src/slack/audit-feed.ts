// The audit channel as a feed of the audit stream: one parent message per grant, each later event a reply in
// its thread. A job drains the stream in order from a cursor, one line at a time, within Slack's limits.
import type { WebClient } from '@slack/web-api';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import { RetryLater } from '../jobs/grant-jobs.js';
import type { Logger } from '../lib/logger.js';
import { RedisScript } from '../lib/redis-script.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { platformError } from './directory.js';
import type { ViewContext } from './ids.js';
import type { MessageRefs } from './message-refs.js';
import { PERMANENT_SLACK_ERRORS } from './messenger.js';
import { auditLine } from './views/audit-line.js';

/** Audit event types that make a line, and the line's event name. */
const LINES: Record<string, string> = {
  'grant.requested': 'requested',
  'grant.approved': 'approved',
  'grant.denied': 'denied',
  'grant.expired': 'expired',
  'grant.ended': 'ended',
  'grant.extended': 'extended',
  'grant.superseded': 'superseded',
  'grant.revoked': 'revoked',
  'grant.released': 'released',
  'grant.consumed': 'consumed',
  'grant.decision_refused': 'refused',
};

const BATCH = 50;
const EXTEND_IF_OWNER = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`,
);
const DELETE_IF_OWNER = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);
/** One drain at a time across instances; the lock outlives a slow batch but not a crashed process. */
const LOCK_MS = 60_000;

interface StreamEvent {
  type?: string;
  grantId?: string;
  actor?: { id?: string; via?: string; slackUserId?: string };
  detail?: string;
}

export interface AuditFeedDeps {
  redis: Redis;
  prefix: string;
  streamKey: string;
  channel: string;
  client: WebClient;
  store: GrantStore;
  refs: MessageRefs;
  viewContext(grant: Grant): Promise<ViewContext>;
  retentionMs: number;
  logger: Logger;
}

export class SlackAuditFeed {
  private readonly cursorKey: string;
  private readonly lockKey: string;

  constructor(private readonly deps: AuditFeedDeps) {
    this.cursorKey = `${deps.prefix}slack:audit-feed:cursor`;
    this.lockKey = `${deps.prefix}slack:audit-feed:lock`;
  }

  /** Posts every event after the cursor, oldest first; the cursor is saved after each line (a 429 resumes there). */
  async drain(): Promise<number> {
    const { redis } = this.deps;
    const token = `${process.pid}-${Math.random()}`;
    if ((await redis.set(this.lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return 0;
    let posted = 0;
    try {
      let cursor = await redis.get(this.cursorKey);
      if (!cursor) {
        // First run: start from now rather than replaying history into the channel.
        const [last] = await redis.xrevrange(this.deps.streamKey, '+', '-', 'COUNT', 1);
        await redis.set(this.cursorKey, last?.[0] ?? '0-0');
        return 0;
      }
      for (;;) {
        const rows: Array<[string, string[]]> = await redis.xrange(
          this.deps.streamKey,
          `(${cursor}`,
          '+',
          'COUNT',
          BATCH,
        );
        // Saved after each posted line (a 429 resumes right after it), and once per batch past skipped events
        // (every upstream call is one): a skipped event read again is skipped again.
        let unsaved = false;
        for (const [id, fields] of rows) {
          const raw = fields[fields.indexOf('event') + 1];
          const lines = raw ? await this.postOrSkip(JSON.parse(raw) as StreamEvent) : 0;
          cursor = id;
          unsaved = lines === 0;
          if (lines > 0) {
            posted += lines;
            await redis.set(this.cursorKey, id);
          }
        }
        if (unsaved) await redis.set(this.cursorKey, cursor);
        if (rows.length < BATCH) return posted;
        // A long backlog: keep the lock for the next batch rather than let another instance start over.
        await EXTEND_IF_OWNER.run(redis, [this.lockKey], [token, LOCK_MS]);
      }
    } finally {
      await DELETE_IF_OWNER.run(redis, [this.lockKey], [token]);
    }
  }

  /** A line Slack will never take (archived channel, bot removed, …) is logged and skipped, not retried forever. */
  private async postOrSkip(event: StreamEvent): Promise<number> {
    try {
      return await this.post(event);
    } catch (error) {
      const code = platformError(error);
      if (!code || !PERMANENT_SLACK_ERRORS.has(code)) throw error;
      this.deps.logger.warn(
        { code, grantId: event.grantId, type: event.type },
        'audit line refused by Slack; skipped',
      );
      return 0;
    }
  }

  private async post(event: StreamEvent): Promise<number> {
    const name = event.type ? LINES[event.type] : undefined;
    if (!name || !event.grantId) return 0;
    const grant = await this.deps.store.get(event.grantId);
    if (!grant) return 0;
    const { client, channel, refs } = this.deps;
    const { ts: parentTs, permalink: knownLink } = await refs.auditThread(grant.id);
    const permalink = knownLink ?? (await this.permalink(grant, refs));
    const ctx = await this.deps.viewContext(grant);
    const clickedBy = event.actor?.slackUserId ?? (event.actor?.via === 'slack' ? event.actor.id : null);
    // release_access on a request still pending withdraws it: the line says so, not "released access".
    const shownAs = name === 'released' && grant.status === 'cancelled' ? 'cancelled' : name;
    const line = auditLine(shownAs, grant, { ...ctx, permalink, clickedBy, detail: event.detail ?? null });
    const sent = await client.chat.postMessage({
      channel,
      text: line.text,
      blocks: line.blocks as never,
      unfurl_links: false,
      ...(parentTs ? { thread_ts: parentTs } : {}),
    });
    await refs.setAuditThread(grant.id, {
      ...(!parentTs && sent.ts ? { ts: sent.ts } : {}),
      ...(!knownLink && permalink ? { permalink } : {}),
    });
    return 1;
  }

  private async permalink(grant: Grant, refs: MessageRefs): Promise<string | null> {
    const ref = await refs.get(grant.id);
    if (!ref) return null;
    return this.deps.client.chat
      .getPermalink({ channel: ref.channel, message_ts: ref.ts })
      .then((r) => r.permalink ?? null)
      .catch((error: unknown) => {
        // Rate limited (each method has its own window): wait for the link rather than post a line without it.
        if (error instanceof RetryLater) throw error;
        return null;
      });
  }
}
