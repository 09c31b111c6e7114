// Audit events: every grant lifecycle step and every upstream call, to a Redis stream and the structured log.
// The schema is in ./schema.ts and docs/audit-events.md; `npm run audit` exports the stream.

import { type Logger, unredacted } from '../lib/logger.js';
import { RedisScript } from '../lib/redis-script.js';
import { auditTrimmedBySize } from '../ops/metrics.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { AUDIT_SCHEMA_VERSION, type AuditEvent } from './schema.js';

export type { AuditActor, AuditEvent, AuditEventType, AuditSlackRef, AuditUpstream } from './schema.js';

export interface AuditSink {
  record(event: AuditEvent): void;
  /**
   * Records the event unless one with this `once` key was recorded within `keepMs`, atomically with its mark,
   * and resolves once it is written (true) or known to be there (false): for jobs that may run again after a
   * crash. Optional: a sink without it gets a separate mark and record() from the caller.
   */
  recordOnce?(event: AuditEvent, once: { key: string; keepMs: number }): Promise<boolean>;
}

// KEYS[1] the audit stream, KEYS[2] the once-mark (hash-tagged to the stream's slot)
// ARGV[1] oldest id kept (MINID), ARGV[2] mark lifetime ms, ARGV[3] time (ms), ARGV[4] event JSON
// Returns 1 when the event was added, 0 when the mark was already there.
const RECORD_ONCE = new RedisScript(`
if not redis.call('SET', KEYS[2], '1', 'PX', ARGV[2], 'NX') then return 0 end
redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'at', ARGV[3], 'event', ARGV[4])
return 1`);

/** The stream every process writes to and the export reads: `<REDIS_PREFIX>audit`. */
export function auditStreamKey(prefix: string): string {
  return `${prefix}audit`;
}

export const DEFAULT_AUDIT_RETENTION_MS = 30 * 24 * 3_600_000;
/**
 * Size guard besides the time limit (AUDIT_MAX_ENTRIES): retention is by time, and this only bites when traffic
 * would otherwise outgrow Redis. At ~5 calls a second for 30 days the stream holds ~13 million entries; the
 * default keeps about 10 days of that (~3.2 GB at the measured ~630 bytes an entry: README, Operations).
 */
export const DEFAULT_AUDIT_MAX_ENTRIES = 5_000_000;
/** How often at most a writing process runs the exact trim (age, then length). */
const TRIM_EVERY_MS = 60_000;

export interface AuditLogOptions {
  /** Approximate cap on the number of entries (AUDIT_MAX_ENTRIES). Default 5,000,000. */
  maxLength?: number;
  now?: () => number;
}

export class AuditLog implements AuditSink {
  private readonly retentionMs: number;
  private readonly maxLength: number;
  private readonly now: () => number;
  private lastTrim: number;
  /** Where the events' own lines go: one per tool call at info, so they skip a redaction they never need. */
  private readonly lines: Logger;

  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
    private readonly logger: Logger,
    /** Entries older than this are removed (AUDIT_RETENTION). Default 30 days. */
    retentionMs: number | undefined = DEFAULT_AUDIT_RETENTION_MS,
    options: AuditLogOptions = {},
  ) {
    this.retentionMs = retentionMs;
    this.maxLength = options.maxLength ?? DEFAULT_AUDIT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    this.lastTrim = this.now();
    this.lines = unredacted(logger);
  }

  /**
   * Fire-and-forget: an audit write must never fail or slow the request it describes. Each write trims
   * entries older than the retention (approximately: whole stream nodes, which is cheap); a write a minute
   * or more after the last exact trim (or the start) also trims exactly, by age and then by length.
   */
  record(event: AuditEvent): void {
    const at = this.now();
    const stored = { v: AUDIT_SCHEMA_VERSION, ...event };
    // Below info (LOG_LEVEL=warn) the log line is skipped whole, its argument object included.
    if (this.lines.isLevelEnabled('info')) this.lines.info({ audit: stored }, event.type);
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

  async recordOnce(event: AuditEvent, once: { key: string; keepMs: number }): Promise<boolean> {
    const at = this.now();
    const stored = { v: AUDIT_SCHEMA_VERSION, ...event };
    // `{<stream key>}…` hashes to the stream key's own slot (a key without braces hashes whole): one slot.
    const mark = `{${this.streamKey}}:once:${once.key}`;
    const added = await RECORD_ONCE.run<number>(
      this.redis,
      [this.streamKey, mark],
      [this.oldestKept(at), once.keepMs, at, JSON.stringify(stored)],
    );
    if (added === 1) this.lines.info({ audit: stored }, event.type);
    return added === 1;
  }

  /**
   * Removes every entry older than the retention, then caps the length; returns how many went. The cap removing
   * entries younger than the retention is never silent: a warning with the age of the oldest entry kept (how
   * much audit history is really there), and countersign_audit_trimmed_by_size_total.
   */
  async trim(): Promise<{ byAge: number; byLength: number }> {
    const byAge = await this.redis.xtrim(this.streamKey, 'MINID', '=', this.oldestKept(this.now()));
    const byLength = await this.redis.xtrim(this.streamKey, 'MAXLEN', '~', this.maxLength);
    if (byLength > 0) {
      auditTrimmedBySize.inc(byLength);
      const [oldest] = await this.redis.xrange(this.streamKey, '-', '+', 'COUNT', 1);
      const oldestMs = oldest ? Number(oldest[0].split('-')[0]) : null;
      this.logger.warn(
        {
          trimmed: byLength,
          maxEntries: this.maxLength,
          retentionMs: this.retentionMs,
          oldestKept: oldestMs === null ? null : new Date(oldestMs).toISOString(),
          oldestKeptAgeMs: oldestMs === null ? null : this.now() - oldestMs,
        },
        'audit stream reached AUDIT_MAX_ENTRIES: entries younger than AUDIT_RETENTION were removed (raise AUDIT_MAX_ENTRIES and Redis memory, or export more often)',
      );
    }
    return { byAge, byLength };
  }

  /** Stream ids embed the write time in ms, so the retention boundary is an id. */
  private oldestKept(at: number): string {
    return `${Math.max(0, at - this.retentionMs)}-0`;
  }
}
