// Audit events: every grant lifecycle step and every upstream call, to a Redis stream and the structured log.
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';

export type AuditEventType =
  | 'grant.requested'
  | 'grant.superseded'
  | 'grant.approved'
  | 'grant.denied'
  | 'grant.expired'
  | 'grant.ended'
  | 'grant.revoked'
  | 'grant.released'
  | 'grant.consumed'
  | 'grant.decision_refused'
  | 'api.call'
  | 'api.refused'
  | 'integration.connect_requested';

/** One audit record. Never holds tokens or bodies: ids, names, methods, hosts, paths, statuses, durations. */
export interface AuditEvent {
  type: AuditEventType;
  grantId?: string;
  userId?: string;
  sid?: string;
  organizationId?: string | null;
  actor?: { type: string; id: string; email?: string; via: string };
  provider?: string;
  level?: string;
  providers?: string[];
  method?: string;
  host?: string;
  path?: string;
  status?: number | string;
  durationMs?: number;
  detail?: string;
}

export interface AuditSink {
  record(event: AuditEvent): void;
}

/** Stream entries are capped (approximately) so the audit never grows without bound. */
const STREAM_MAX_LENGTH = 100_000;

export class AuditLog implements AuditSink {
  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
    private readonly logger: Logger,
  ) {}

  /** Fire-and-forget: an audit write must never fail or slow the request it describes. */
  record(event: AuditEvent): void {
    const at = Date.now();
    this.logger.info({ audit: event }, event.type);
    this.redis
      .xadd(
        this.streamKey,
        'MAXLEN',
        '~',
        STREAM_MAX_LENGTH,
        '*',
        'at',
        String(at),
        'event',
        JSON.stringify(event),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error, type: event.type }, 'audit stream write failed'),
      );
  }

  /** Newest first, for exports and tests. */
  async recent(count = 100): Promise<Array<AuditEvent & { at: number }>> {
    const rows = await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', count);
    return rows.map(([, fields]) => {
      const map = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
      return { ...(JSON.parse(map.get('event') ?? '{}') as AuditEvent), at: Number(map.get('at')) };
    });
  }
}
