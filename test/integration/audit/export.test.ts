// The export on real Redis: events written through AuditLog come back in order, filtered by time, grant and
// user, as schema-valid JSON lines or CSV; the CLI reads the same stream and fails with one clear line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../../src/audit/csv.js';
import { type AuditEvent, exportedEventSchema } from '../../../src/audit/schema.js';
import { REDIS_URL } from '../../support/redis.js';
import { runAuditCli } from './cli.js';
import { auditWorld, DAY } from './world.js';

const world = auditWorld();
const alice = {
  userId: 'user_alice',
  userEmail: 'alice@example.com',
  sid: 'session_a',
  organizationId: 'org_1',
};
const carol = {
  userId: 'user_carol',
  userEmail: 'carol@example.com',
  sid: 'session_c',
  organizationId: null,
};
const bob = {
  type: 'user',
  id: 'user_bob',
  email: 'bob@example.com',
  via: 'web',
  workosUserId: 'user_bob',
} as const;

const EVENTS: AuditEvent[] = [
  { type: 'grant.requested', ...alice, grantId: 'g_a', kind: 'broad', level: 'read', providers: ['linear'] },
  {
    type: 'grant.requested',
    ...carol,
    grantId: 'g_c',
    kind: 'request',
    upstream: { method: 'POST', host: 'api.linear.app', path: '/graphql' },
  },
  { type: 'grant.approved', ...alice, grantId: 'g_a', kind: 'broad', actor: bob, durationMs: 600_000 },
  {
    type: 'api.call',
    ...alice,
    grantId: 'g_a',
    callId: 'call_1',
    provider: 'linear',
    upstream: { method: 'POST', host: 'api.linear.app', path: '/graphql', status: 200, durationMs: 12.5 },
  },
  { type: 'grant.denied', ...carol, grantId: 'g_c', kind: 'request', actor: bob },
  // Carol tries Alice's grant: her event, about Alice's grant; Alice's later events stay out of Carol's export.
  { type: 'api.refused', ...carol, grantId: 'g_a', kind: 'broad', detail: 'approval_not_found' },
  // As the clock's job writes it: the owner's id, not the email.
  { type: 'grant.ended', grantId: 'g_a', userId: 'user_alice', detail: 'access time is up' },
  { type: 'integration.connect_requested', ...alice, provider: 'notion' },
];
const types = (lines: Array<Record<string, any>>) => lines.map((l) => `${l.type} ${l.grantId ?? '-'}`);

beforeAll(async () => {
  // Two days old: outside the default day, inside a three-day export.
  await world.addAt(Date.now() - 2 * DAY, 0, { type: 'grant.requested', ...alice, grantId: 'g_old' });
  const audit = world.log();
  for (const event of EVENTS) audit.record(event);
  await world.settled();
});
afterAll(() => world.close());

describe('audit export', () => {
  it('returns every event of the range, oldest first, valid against the schema', async () => {
    const lines = await world.exportLines();
    expect(types(lines)).toEqual(EVENTS.map((e) => `${e.type} ${e.grantId ?? '-'}`));
    for (const line of lines) expect(exportedEventSchema.parse(line)).toEqual(line);
    // Stream ids (<ms>-<seq>) strictly increase, and `at` is the write time.
    const ids = lines.map((l) => (l.id as string).split('-').map(Number) as [number, number]);
    for (let i = 1; i < ids.length; i++) {
      const [[ms0, seq0], [ms1, seq1]] = [ids[i - 1]!, ids[i]!];
      expect(ms1 > ms0 || (ms1 === ms0 && seq1 > seq0), `${lines[i]!.id} after ${lines[i - 1]!.id}`).toBe(
        true,
      );
    }
    expect(Math.abs(Date.parse(lines[0]!.at) - Date.now())).toBeLessThan(60_000);
    expect(lines[3]).toMatchObject({
      v: 1,
      sid: 'session_a',
      organizationId: 'org_1',
      upstream: { status: 200 },
    });
  });

  it('reaches back with --since and stops at --until', async () => {
    const week = await world.exportLines({ sinceMs: Date.now() - 3 * DAY });
    expect(types(week)[0]).toBe('grant.requested g_old');
    expect(week).toHaveLength(EVENTS.length + 1);
    const before = await world.exportLines({ sinceMs: Date.now() - 3 * DAY, untilMs: Date.now() - DAY });
    expect(types(before)).toEqual(['grant.requested g_old']);
  });

  it('pages through the stream without losing or repeating entries', async () => {
    const whole = await world.exportLines({ sinceMs: Date.now() - 3 * DAY });
    const paged = await world.exportLines({ sinceMs: Date.now() - 3 * DAY, pageSize: 2 });
    expect(paged.map((l) => l.id)).toEqual(whole.map((l) => l.id));
  });

  it('keeps one grant with --grant', async () => {
    expect(types(await world.exportLines({ grant: 'g_a' }))).toEqual([
      'grant.requested g_a',
      'grant.approved g_a',
      'api.call g_a',
      'api.refused g_a',
      'grant.ended g_a',
    ]);
  });

  it('matches --user against the owner (email in any case, or id), later events of their grants, and the actor', async () => {
    expect(types(await world.exportLines({ user: 'ALICE@example.com' }))).toEqual([
      'grant.requested g_a',
      'grant.approved g_a',
      'api.call g_a',
      'api.refused g_a',
      'grant.ended g_a',
      'integration.connect_requested -',
    ]);
    expect(types(await world.exportLines({ user: 'user_carol' }))).toEqual([
      'grant.requested g_c',
      'grant.denied g_c',
      'api.refused g_a',
    ]);
    expect(types(await world.exportLines({ user: 'bob@example.com' }))).toEqual([
      'grant.approved g_a',
      'grant.denied g_c',
    ]);
    expect(await world.exportLines({ user: 'nobody@example.com' })).toEqual([]);
  });

  it('writes CSV with a header and one flattened row per event', async () => {
    const { text, written } = await world.exportText({ format: 'csv', grant: 'g_a' });
    const rows = text.trimEnd().split('\n');
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(1 + 5);
    expect(written).toBe(5);
    const at = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const approved = rows[2]!.split(',');
    expect([approved[at('type')], approved[at('actor_email')], approved[at('actor_workosUserId')]]).toEqual([
      'grant.approved',
      'bob@example.com',
      'user_bob',
    ]);
    expect(rows[3]!.split(',')[at('upstream_status')]).toBe('200');
  });
});

describe('audit export CLI', () => {
  const env = () => ({ REDIS_URL, REDIS_PREFIX: world.prefix });

  it('reads REDIS_PREFIX and prints the same lines as the export', async () => {
    const cli = await runAuditCli(['--since', '24h', '--grant', 'g_a'], env());
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const { text } = await world.exportText({ grant: 'g_a' });
    expect(text.split('\n').length).toBeGreaterThan(4);
    expect(cli.stdout).toBe(text);
  });

  it('exits 2 with one line naming the bad argument', async () => {
    const cli = await runAuditCli(['--format', 'xml'], env());
    expect(cli.code).toBe(2);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toBe('audit export: --format: expected jsonl or csv\n');
    const prefix = await runAuditCli([], { ...env(), REDIS_PREFIX: 'bad prefix!' });
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toMatch(/^audit export: invalid configuration: REDIS_PREFIX: [^\n]+\n$/);
  });

  it('exits 1 when Redis cannot be reached, without showing its password', async () => {
    const cli = await runAuditCli([], { REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:1', REDIS_PREFIX: 'x:' });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(
      /^audit export: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1[^\n]*\n$/,
    );
    expect(cli.stderr).not.toContain('s3cret-pass');
  });
});
