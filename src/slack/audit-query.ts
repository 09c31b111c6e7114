// Reads the audit stream for Slack surfaces (the admins' Home, `/countersign audit`): newest first, filtered.
import type { RedisClient as Redis } from '../redis/connections.js';
import { type AuditSummaryEvent, auditSummaryLine } from './views/audit-summary.js';

export interface AuditFilter {
  sinceMs: number;
  /** Events by this Slack user, or about grants owned by this email. */
  slackUserId?: string;
  email?: string | null;
}

interface StoredEvent extends AuditSummaryEvent {
  userEmail?: string;
  actor?: AuditSummaryEvent['actor'] & { slackUserId?: string };
}

/** Stops reading after this many entries, so a broad query stays an interactive one. */
const SCAN_LIMIT = 5000;

export class AuditQuery {
  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
  ) {}

  async lines(filter: AuditFilter, limit: number): Promise<string[]> {
    // Unfiltered, the newest `limit` entries are the answer; a filter may have to look further back.
    const filtered = Boolean(filter.slackUserId || filter.email);
    const rows: Array<[string, string[]]> = await this.redis.xrevrange(
      this.streamKey,
      '+',
      `${filter.sinceMs}-0`,
      'COUNT',
      filtered ? SCAN_LIMIT : limit,
    );
    const lines: string[] = [];
    for (const [, fields] of rows) {
      const event = parse(fields);
      if (!event || !matches(event, filter)) continue;
      lines.push(auditSummaryLine(event));
      if (lines.length >= limit) break;
    }
    return lines;
  }
}

function parse(fields: string[]): StoredEvent | null {
  try {
    const event = JSON.parse(fields[fields.indexOf('event') + 1] ?? 'null') as StoredEvent | null;
    return event ? { ...event, at: Number(fields[fields.indexOf('at') + 1]) } : null;
  } catch {
    return null;
  }
}

function matches(event: StoredEvent, filter: AuditFilter): boolean {
  if (!filter.slackUserId && !filter.email) return true;
  const byUser =
    filter.slackUserId !== undefined &&
    (event.actor?.slackUserId === filter.slackUserId || event.actor?.id === filter.slackUserId);
  const email = filter.email?.toLowerCase();
  const aboutUser =
    email !== undefined &&
    (event.userEmail?.toLowerCase() === email || event.actor?.email?.toLowerCase() === email);
  return byUser || aboutUser;
}
