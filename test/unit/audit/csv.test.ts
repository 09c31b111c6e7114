// CSV of audit exports: quoting by RFC 4180, flattening of nested fields, formula-safe text, fixed columns.
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, csvHeader, csvRow, flatten } from '../../../src/audit/csv.js';

/** A minimal RFC 4180 reader, to check that what we write reads back as the same fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  expect(field, 'text ends with a newline').toBe('');
  return rows;
}

describe('csvField', () => {
  it('leaves plain text and numbers as they are, and empty values empty', () => {
    expect(csvField('grant.approved')).toBe('grant.approved');
    expect(csvField(200)).toBe('200');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(undefined)).toBe('');
    expect(csvField(null)).toBe('');
  });

  it('quotes commas, quotes, newlines and outer spaces, doubling inner quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('padded ')).toBe('"padded "');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-1)).toBe('-1');
  });
});

describe('flatten', () => {
  it('joins nested keys with _ and arrays with spaces', () => {
    expect(
      flatten({
        type: 'grant.approved',
        actor: { id: 'user_1', email: 'bob@example.com', via: 'web' },
        slack: { channel: 'C1', ts: '1.2' },
        providers: ['linear', 'notion'],
        organizationId: null,
      }),
    ).toEqual({
      type: 'grant.approved',
      actor_id: 'user_1',
      actor_email: 'bob@example.com',
      actor_via: 'web',
      slack_channel: 'C1',
      slack_ts: '1.2',
      providers: 'linear notion',
      organizationId: null,
    });
  });
});

describe('csvRow', () => {
  it('writes one field per column, in the header order, and reads back the same values', () => {
    const record = {
      id: '1700000000000-0',
      at: '2023-11-14T22:13:20.000Z',
      v: 1,
      type: 'api.call',
      grantId: 'g_1',
      userEmail: 'alice@example.com',
      actor: { type: 'assistant', id: 'user_1', via: 'mcp', workosUserId: 'user_1' },
      upstream: { method: 'POST', host: 'api.linear.app', path: '/graphql', status: 200, durationMs: 12.5 },
      detail: 'note, with "quotes"\nand a newline',
      unknownField: 'kept in jsonl only',
    };
    const [header, row, ...rest] = parseCsv(csvHeader() + csvRow(record));
    expect(rest).toEqual([]);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(row).toHaveLength(CSV_COLUMNS.length);
    const byColumn = Object.fromEntries(header!.map((name, i) => [name, row![i]]));
    expect(byColumn).toMatchObject({
      id: '1700000000000-0',
      type: 'api.call',
      actor_workosUserId: 'user_1',
      upstream_host: 'api.linear.app',
      upstream_status: '200',
      upstream_durationMs: '12.5',
      detail: 'note, with "quotes"\nand a newline',
      sid: '',
    });
    expect(JSON.stringify(row)).not.toContain('kept in jsonl only');
  });
});
