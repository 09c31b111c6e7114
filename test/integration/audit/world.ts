// Shared setup for the audit integration tests: real Redis under a random prefix, an AuditLog, the export.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { AuditLog, type AuditLogOptions, auditStreamKey } from '../../../src/audit/audit-log.js';
import { type ExportOptions, exportAudit } from '../../../src/audit/export.js';
import { createLogger } from '../../../src/lib/logger.js';
import { testRedis } from '../../support/redis.js';

export const DAY = 24 * 3_600_000;

export function auditWorld() {
  const prefix = `cs-test-audit-${randomUUID().slice(0, 8)}:`;
  const key = auditStreamKey(prefix);
  const redis = testRedis();
  const logger = createLogger('silent');
  return {
    prefix,
    key,
    redis,
    log(retentionMs?: number, options: AuditLogOptions = {}) {
      return new AuditLog(redis, key, logger, retentionMs, options);
    },
    /** Commands on one connection run in order: once this answers, every write sent before it is done. */
    settled: () => redis.ping(),
    /** An entry with an explicit (old) id, as a writer would have made it back then. */
    async addAt(ms: number, seq: number, event: Record<string, unknown>) {
      await redis.xadd(key, `${ms}-${seq}`, 'at', String(ms), 'event', JSON.stringify({ v: 1, ...event }));
    },
    async exportText(options: Partial<ExportOptions> = {}) {
      let text = '';
      const out = new Writable({
        write(chunk, _encoding, done) {
          text += chunk.toString();
          done();
        },
      });
      const counts = await exportAudit(
        redis,
        key,
        { sinceMs: Date.now() - DAY, untilMs: Date.now() + 60_000, format: 'jsonl', ...options },
        out,
      );
      return { text, ...counts };
    },
    async exportLines(options: Partial<ExportOptions> = {}) {
      const { text } = await this.exportText(options);
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>);
    },
    async close() {
      await redis.del(key);
      await redis.quit();
    },
  };
}
