// Audit events: every grant lifecycle step and every upstream call, to a Redis stream and the structured log.
// The schema is in ./schema.ts and docs/audit-events.md; `npm run audit` exports the stream.

import type { Logger } from '../lib/logger.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { AUDIT_SCHEMA_VERSION, type AuditEvent } from './schema.js';

export type { AuditActor, AuditEvent, AuditEventType, AuditSlackRef, AuditUpstream } from './schema.js';

export interface AuditSink {
  record(event: AuditEvent): void;
}

/** The stream every process writes to and the export reads: `<REDIS_PREFIX>audit`. */
export function auditStreamKey(prefix: string): string {
  return `${prefix}audit`;
}

export const DEFAULT_AUDIT_RETENTION_MS = 30 * 24 * 3_600_000;
/** Safety net besides the time limit: the stream never holds many more entries than this. */
export const AUDIT_MAX_LENGTH = 100_000;
/** How often at most a writing process runs the exact trim (age, then length). */
const TRIM_EVERY_MS = 60_000;

export interface AuditLogOptions {
  /** Approximate cap on the number of entries. Default 100,000. */
  maxLength?: number;
  now?: () => number;
}

export class AuditLog implements AuditSink {
  private readonly retentionMs: number;
  private readonly maxLength: number;
  private readonly now: () => number;
  private lastTrim: number;

  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
    private readonly logger: Logger,
    /** Entries older than this are removed (AUDIT_RETENTION). Default 30 days. */
    retentionMs: number | undefined = DEFAULT_AUDIT_RETENTION_MS,
    options: AuditLogOptions = {},
  ) {
    this.retentionMs = retentionMs;
    this.maxLength = options.maxLength ?? AUDIT_MAX_LENGTH;
    this.now = options.now ?? Date.now;
    this.lastTrim = this.now();
  }

  /**
   * Fire-and-forget: an audit write must never fail or slow the request it describes. Each write trims
   * entries older than the retention (approximately: whole stream nodes, which is cheap); a write a minute
   * or more after the last exact trim (or the start) also trims exactly, by age and then by length.
   */
  record(event: AuditEvent): void {
    const at = this.now();
    const stored = { v: AUDIT_SCHEMA_VERSION, ...event };
    this.logger.info({ audit: stored }, event.type);
    this.redis
      .xadd(
        this.streamKey,
        'MINID',
        '~',
        this.oldestKept(at),
        '*',
        'at',
        String(at),
        'event',
        JSON.stringify(stored),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error, type: event.type }, 'audit stream write failed'),
      );
    if (at - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = at;
      this.trim().catch((error: unknown) => this.logger.warn({ err: error }, 'audit stream trim failed'));
    }
  }

  /** Removes every entry older than the retention, then caps the length; returns how many went. */
  async trim(): Promise<{ byAge: number; byLength: number }> {
    const byAge = await this.redis.xtrim(this.streamKey, 'MINID', '=', this.oldestKept(this.now()));
    const byLength = await this.redis.xtrim(this.streamKey, 'MAXLEN', '~', this.maxLength);
    return { byAge, byLength };
  }

  /** Stream ids embed the write time in ms, so the retention boundary is an id. */
  private oldestKept(at: number): string {
    return `${Math.max(0, at - this.retentionMs)}-0`;
  }
}
