// Retention on real Redis: entries older than AUDIT_RETENTION go (approximately on every write, exactly on the
// periodic trim), newer ones stay, and the size guard (AUDIT_MAX_ENTRIES) still holds, never silently.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, DEFAULT_AUDIT_MAX_ENTRIES } from '../../../src/audit/audit-log.js';
import { auditTrimmedBySize } from '../../../src/ops/metrics.js';
import { auditWorld, DAY } from './world.js';

let world = auditWorld();
afterEach(async () => {
  await world.close();
  world = auditWorld();
});

/** Entry times (ms part of the id) of everything in the stream, oldest first. */
async function times(): Promise<number[]> {
  const rows = await world.redis.xrange(world.key, '-', '+');
  return rows.map(([id]) => Number(id.split('-')[0]));
}

/** `count` entries with ids at `ms`, as if written then. */
async function addOld(ms: number, count: number) {
  for (let seq = 0; seq < count; seq++) {
    await world.addAt(ms, seq, { type: 'api.call', grantId: `g_${seq}`, detail: 'x'.repeat(40) });
  }
}

describe('audit retention', () => {
  it('trims entries past the retention on each write, keeping the younger ones', async () => {
    const start = Date.now();
    let clock = start;
    const audit = world.log(30 * DAY, { now: () => clock });
    await addOld(start - 40 * DAY, 500);
    await addOld(start - 10 * DAY, 3);
    clock = start + 1000; // well within a minute: only the write's own approximate trim runs
    audit.record({ type: 'grant.requested', grantId: 'g_new' });
    await world.settled();
    const left = await times();
    const old = left.filter((t) => t < start - 30 * DAY);
    // Approximate trimming removes whole stream nodes only: at most the node holding the boundary survives.
    expect(old.length).toBeLessThan(150);
    expect(left.filter((t) => t === start - 10 * DAY)).toHaveLength(3);
    expect(left.at(-1)).toBeGreaterThanOrEqual(start - 5000);
  });

  it('trims exactly once a minute has passed since the last exact trim', async () => {
    const start = Date.now();
    let clock = start;
    const audit = world.log(30 * DAY, { now: () => clock });
    await addOld(start - 31 * DAY, 20);
    await addOld(start - 29 * DAY, 2);
    clock = start + 61_000;
    audit.record({ type: 'grant.requested', grantId: 'g_new' });
    await world.settled();
    const left = await times();
    expect(left.filter((t) => t < clock - 30 * DAY)).toEqual([]);
    expect(left.filter((t) => t === start - 29 * DAY)).toHaveLength(2);
    expect(left).toHaveLength(3);
  });

  it('trim() removes everything older than the retention and reports how many', async () => {
    const now = Date.now();
    const audit = world.log(7 * DAY);
    await addOld(now - 8 * DAY, 5);
    await addOld(now - 6 * DAY, 4);
    expect(await audit.trim()).toEqual({ byAge: 5, byLength: 0 });
    expect(await times()).toEqual(Array(4).fill(now - 6 * DAY));
  });

  it('keeps by time, not by count: far more entries than the old 100,000 cap would allow are kept', () => {
    expect(DEFAULT_AUDIT_MAX_ENTRIES).toBeGreaterThanOrEqual(5_000_000);
  });

  it('the size guard removes the oldest entries past AUDIT_MAX_ENTRIES, with a warning and a count', async () => {
    const lines: Array<Record<string, any>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const now = Date.now();
    const audit = new AuditLog(world.redis, world.key, pino({ level: 'warn' }, sink), 30 * DAY, {
      maxLength: 50,
      now: () => now,
    });
    await addOld(now - 2 * DAY, 300);
    await addOld(now - DAY, 300);
    const counted = (await auditTrimmedBySize.get()).values[0]?.value ?? 0;
    const { byAge, byLength } = await audit.trim();
    expect(byAge).toBe(0);
    expect(byLength).toBeGreaterThan(0);
    const left = await world.redis.xlen(world.key);
    expect(left).toBeGreaterThanOrEqual(50);
    expect(left + byLength).toBe(600);
    expect((await auditTrimmedBySize.get()).values[0]?.value).toBe(counted + byLength);
    const warning = lines.find((l) => /AUDIT_MAX_ENTRIES/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, trimmed: byLength, maxEntries: 50 });
    // The oldest entry kept is what the stream really covers now: younger than the retention promised.
    expect(warning!.oldestKeptAgeMs).toBeGreaterThanOrEqual(DAY);
    expect(warning!.oldestKeptAgeMs).toBeLessThanOrEqual(2 * DAY);
  });

  it('says nothing when only age trims', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const audit = new AuditLog(world.redis, world.key, pino({ level: 'warn' }, sink), 7 * DAY, {
      maxLength: 50,
    });
    await addOld(Date.now() - 8 * DAY, 10);
    expect(await audit.trim()).toEqual({ byAge: 10, byLength: 0 });
    expect(lines).toEqual([]);
  });
});
