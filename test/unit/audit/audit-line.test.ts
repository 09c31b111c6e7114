// The audit events' log lines skip pino's redaction: safe only while no event field can carry a redacted key.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditActorSchema, auditEventSchema, auditUpstreamSchema } from '../../../src/audit/schema.js';
import { createLogger, REDACTED_KEYS, unredacted } from '../../../src/lib/logger.js';

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

describe('audit lines without redaction', () => {
  it('are safe: no audit event field, nor one of its objects, is named like a redacted key', () => {
    // An audit line is `{ audit: event }`: redaction would look at `audit.<key>` (`*.token`) and nothing deeper.
    for (const schema of [auditEventSchema, auditActorSchema, auditUpstreamSchema]) {
      const keys = Object.keys(schema.shape).map((key) => key.toLowerCase());
      for (const redacted of REDACTED_KEYS) expect(keys).not.toContain(redacted.toLowerCase());
    }
  });

  it('leave the logger they come from redacting', async () => {
    const { logger, lines } = capturedLogger();
    const audit = unredacted(logger);
    audit.info({ audit: { type: 'api.call', token: 'shown' } }, 'api.call');
    logger.info({ headers: { authorization: 'Bearer secret' }, nested: { token: 'secret' } }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'api.call', audit: { type: 'api.call', token: 'shown' } }),
      expect.objectContaining({
        msg: 'request',
        headers: { authorization: '[redacted]' },
        nested: { token: '[redacted]' },
      }),
    ]);
  });
});
