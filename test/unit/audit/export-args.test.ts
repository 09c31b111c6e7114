// Arguments of `npm run audit`: the accepted forms, and one specific message for each kind of mistake.
import { describe, expect, it } from 'vitest';
import { parseExportArgs } from '../../../src/audit/export-args.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const HOUR = 3_600_000;

function ok(argv: string[]) {
  const parsed = parseExportArgs(argv, NOW);
  if (!parsed.ok || parsed.help) throw new Error(`expected values, got ${JSON.stringify(parsed)}`);
  return parsed.value;
}

function error(argv: string[]): string {
  const parsed = parseExportArgs(argv, NOW);
  if (parsed.ok) throw new Error(`expected an error for ${argv.join(' ')}`);
  expect(parsed.message).not.toContain('\n');
  return parsed.message;
}

describe('parseExportArgs', () => {
  it('defaults to the last 24 hours as JSON lines', () => {
    expect(ok([])).toEqual({ sinceMs: NOW - 24 * HOUR, untilMs: NOW, format: 'jsonl' });
  });

  it('takes durations ago, ISO dates, filters and the format, in both option spellings', () => {
    expect(
      ok([
        '--since',
        '7d',
        '--until=90m',
        '--user',
        'alice@example.com',
        '--grant',
        'g_ab12_x',
        '--format',
        'csv',
      ]),
    ).toEqual({
      sinceMs: NOW - 7 * 24 * HOUR,
      untilMs: NOW - 90 * 60_000,
      user: 'alice@example.com',
      grant: 'g_ab12_x',
      format: 'csv',
    });
    expect(ok(['--since', '2025-06-01', '--until', '2025-06-02T10:30:00Z'])).toMatchObject({
      sinceMs: Date.parse('2025-06-01T00:00:00Z'),
      untilMs: Date.parse('2025-06-02T10:30:00Z'),
    });
  });

  it('answers --help and -h with the usage', () => {
    expect(parseExportArgs(['--help'], NOW)).toEqual({ ok: true, help: true });
    expect(parseExportArgs(['-h'], NOW)).toEqual({ ok: true, help: true });
  });

  it('names the option and what it expected', () => {
    expect(error(['--since', 'yesterday'])).toBe(
      '--since: expected a duration such as 24h or 7d, or an ISO date such as 2025-01-31T00:00:00Z, got "yesterday"',
    );
    expect(error(['--since', '24'])).toMatch(/^--since: expected a duration/);
    expect(error(['--until', '2025-13-45'])).toMatch(/^--until: expected a duration/);
    expect(error(['--format', 'xml'])).toBe('--format: expected jsonl or csv');
    expect(error(['--grant', 'g 1; rm'])).toBe('--grant: expected a grant id such as g_0123abcd_xyz');
    expect(error(['--user', '  '])).toBe('--user: expected an email or a WorkOS user id');
  });

  it('refuses unknown options, missing values, stray arguments and repeats', () => {
    expect(error(['--sinse', '24h'])).toBe('unknown option --sinse (see --help)');
    expect(error(['--since'])).toBe('--since: expected a value');
    expect(error(['24h'])).toMatch(/^unexpected argument 24h: /);
    expect(error(['--user', 'a@x.test', '--user', 'b@x.test'])).toBe('--user: given 2 times, expected once');
  });

  it('refuses a range that ends before it starts', () => {
    expect(error(['--since', '1h', '--until', '2h'])).toBe('--since must not be after --until');
  });
});
