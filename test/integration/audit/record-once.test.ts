// AuditLog.recordOnce on real Redis: the event and its once-mark are written together, so racing or repeated
// writers (a job run again after a crash) leave exactly one event, and the metrics sink forwards it.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { createLogger } from '../../../src/lib/logger.js';
import { MetricsAuditSink } from '../../../src/ops/metrics-audit-sink.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const PREFIX = `cs-it-once-${randomBytes(6).toString('hex')}:`;
const redis = testRedis();
const stream = `${PREFIX}audit`;
const log = new AuditLog(redis, stream, createLogger('silent'));

afterAll(async () => {
  await deleteKeys([`${PREFIX}*`, `{${PREFIX}*`]);
  await redis.quit();
});

const event = (grantId: string) => ({ type: 'grant.expired' as const, grantId });
const expiredEvents = async (grantId: string) =>
  (await redis.xrange(stream, '-', '+')).filter(([, fields]) =>
    fields[fields.indexOf('event') + 1]!.includes(`"grantId":"${grantId}"`),
  );

describe('AuditLog.recordOnce', () => {
  it('writes the event once however many writers race or repeat it', async () => {
    const once = { key: 'g_1:expired', keepMs: 60_000 };
    const sink = new MetricsAuditSink(log);
    const added = await Promise.all([
      log.recordOnce(event('g_1'), once),
      sink.recordOnce(event('g_1'), once),
      log.recordOnce(event('g_1'), once),
    ]);
    expect(added.filter(Boolean)).toHaveLength(1);
    expect(await log.recordOnce(event('g_1'), once)).toBe(false);
    expect(await expiredEvents('g_1')).toHaveLength(1);
    // The mark shares the stream's cluster slot ({<stream key>}…) and expires with the keep time.
    expect(await redis.pttl(`{${stream}}:once:g_1:expired`)).toBeGreaterThan(0);
  });

  it('another key is another event', async () => {
    expect(await log.recordOnce(event('g_2'), { key: 'g_2:expired', keepMs: 60_000 })).toBe(true);
    expect(await log.recordOnce(event('g_2'), { key: 'g_2:ended', keepMs: 60_000 })).toBe(true);
    expect(await expiredEvents('g_2')).toHaveLength(2);
  });
});
