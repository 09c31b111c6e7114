// Every audit event is a structured log line at info (LOG_LEVEL=info), and only a stream entry below it.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { auditWorld, DAY } from './world.js';

const world = auditWorld();
afterAll(() => world.close());

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: pino({ level }, sink) };
}

const event = { type: 'api.call' as const, userId: 'user_1', grantId: 'g_1', provider: 'linear' };

describe('audit log lines', () => {
  it('logs the stored entry (schema version first) at info, and writes it to the stream', async () => {
    const { lines, logger } = capture('info');
    new AuditLog(world.redis, world.key, logger, DAY).record(event);
    await world.settled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'api.call', audit: { v: 1, ...event } });
    expect(Object.keys(lines[0]?.audit as object)[0]).toBe('v');
    const [[, fields]] = (await world.redis.xrange(world.key, '-', '+')) as [[string, string[]]];
    expect(JSON.parse(fields[3] ?? '')).toEqual({ v: 1, ...event });
  });

  it('writes only the stream entry when info is not logged', async () => {
    const { lines, logger } = capture('warn');
    const before = await world.redis.xlen(world.key);
    new AuditLog(world.redis, world.key, logger, DAY).record(event);
    await world.settled();
    expect(lines).toHaveLength(0);
    expect(await world.redis.xlen(world.key)).toBe(before + 1);
  });
});
