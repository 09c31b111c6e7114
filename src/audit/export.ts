// Reads the audit stream for an export: XRANGE from the `since` id to the `until` id in pages, oldest first,
// filtered by grant and user, written as JSON lines or CSV.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { RedisClient as Redis } from '../redis/connections.js';
import { csvHeader, csvRow } from './csv.js';
import { exportedEventSchema } from './schema.js';

export interface ExportRange {
  /** Epoch ms, inclusive. */
  sinceMs: number;
  /** Epoch ms, inclusive. */
  untilMs: number;
}

export interface ExportFilter {
  /** Grant owner's email or WorkOS user id, or the actor's email or WorkOS user id. */
  user?: string | undefined;
  grant?: string | undefined;
}

export interface ExportOptions extends ExportRange, ExportFilter {
  format: 'jsonl' | 'csv';
  /** Entries read per XRANGE call. Default 1000. */
  pageSize?: number;
}

/** An exported record: `id` and `at` first, then the event's own fields. */
export type ExportRecord = Record<string, unknown> & { id: string; at: string };

/** Stream entries in [since, until], oldest first, as export records; `valid` says whether they fit the schema. */
export async function* readAuditStream(
  redis: Redis,
  key: string,
  range: ExportRange,
  pageSize = 1000,
): AsyncGenerator<{ record: ExportRecord; valid: boolean }> {
  // A start id of bare ms means `<ms>-0`; an end id of bare ms means every sequence number in that ms.
  let start = String(Math.max(0, Math.floor(range.sinceMs)));
  const end = String(Math.max(0, Math.floor(range.untilMs)));
  for (;;) {
    const rows = await redis.xrange(key, start, end, 'COUNT', pageSize);
    for (const [id, fields] of rows) {
      const record = toRecord(id, fields);
      yield { record, valid: exportedEventSchema.safeParse(record).success };
    }
    if (rows.length < pageSize) return;
    start = `(${rows.at(-1)![0]}`;
  }
}

function toRecord(id: string, fields: string[]): ExportRecord {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  let event: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(map.get('event') ?? '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      event = parsed as Record<string, unknown>;
  } catch {
    event = { detail: 'unreadable audit entry' };
  }
  const written = Number(map.get('at'));
  const atMs = Number.isFinite(written) && written > 0 ? written : Number(id.split('-')[0]);
  const { id: _id, at: _at, ...rest } = event;
  return { id, at: new Date(atMs).toISOString(), ...rest };
}

/**
 * The filter for one export pass. Besides the events that name the user, `user` also keeps later events of
 * grants the user requested (their `grant.requested` seen earlier in the same pass), so events written
 * without the owner's email (a clock expiry) still come along with the request they belong to.
 */
export function recordFilter(filter: ExportFilter): (record: Record<string, unknown>) => boolean {
  const user = filter.user?.trim();
  const email = user?.toLowerCase();
  const owned = new Set<string>();
  const sameEmail = (value: unknown) => typeof value === 'string' && value.toLowerCase() === email;
  return (record) => {
    const grantId = typeof record.grantId === 'string' ? record.grantId : undefined;
    if (filter.grant !== undefined && grantId !== filter.grant) return false;
    if (!user) return true;
    const owner = record.userId === user || sameEmail(record.userEmail);
    if (owner && grantId && record.type === 'grant.requested') owned.add(grantId);
    const actor = (record.actor ?? {}) as Record<string, unknown>;
    const acted = sameEmail(actor.email) || actor.workosUserId === user;
    return owner || acted || (grantId !== undefined && owned.has(grantId));
  };
}

/** Writes the export to `out` (minding backpressure); returns how many records were written and how many did not fit the schema. */
export async function exportAudit(
  redis: Redis,
  key: string,
  options: ExportOptions,
  out: Writable,
): Promise<{ written: number; invalid: number }> {
  const keep = recordFilter(options);
  const line = options.format === 'csv' ? csvRow : (record: ExportRecord) => `${JSON.stringify(record)}\n`;
  let written = 0;
  let invalid = 0;
  let chunk = options.format === 'csv' ? csvHeader() : '';
  const flush = async () => {
    if (chunk && !out.write(chunk)) await once(out, 'drain');
    chunk = '';
  };
  for await (const { record, valid } of readAuditStream(redis, key, options, options.pageSize)) {
    if (!keep(record)) continue;
    if (!valid) invalid += 1;
    chunk += line(record);
    written += 1;
    if (chunk.length >= 64 * 1024) await flush();
  }
  await flush();
  return { written, invalid };
}
