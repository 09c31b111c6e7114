// CSV for audit exports: one fixed column per (flattened) schema field, RFC 4180 quoting, spreadsheet-safe.

/** Column order of the CSV export; nested fields are flattened with `_` (actor.id → actor_id). */
export const CSV_COLUMNS = [
  'id',
  'at',
  'v',
  'type',
  'grantId',
  'kind',
  'userId',
  'userEmail',
  'sid',
  'organizationId',
  'actor_type',
  'actor_id',
  'actor_email',
  'actor_via',
  'actor_slackUserId',
  'actor_workosUserId',
  'slack_channel',
  'slack_ts',
  'callId',
  'provider',
  'providers',
  'level',
  'durationMs',
  'expiresAt',
  'upstream_method',
  'upstream_host',
  'upstream_path',
  'upstream_status',
  'upstream_durationMs',
  'upstream_error',
  'detail',
] as const;

type Cell = string | number | boolean | null | undefined;

/**
 * Flattens nested objects into `parent_child` keys; arrays become their items joined by a space
 * (providers: "linear notion"); null and undefined stay empty.
 */
export function flatten(value: Record<string, unknown>, prefix = ''): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = prefix ? `${prefix}_${key}` : key;
    if (Array.isArray(item))
      out[name] = item.map((x) => (typeof x === 'object' ? JSON.stringify(x) : x)).join(' ');
    else if (item !== null && typeof item === 'object')
      Object.assign(out, flatten(item as Record<string, unknown>, name));
    else out[name] = item as Cell;
  }
  return out;
}

/** Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field: numbers as they are; text made formula-safe, then quoted when needed (quotes doubled). */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

/** One line (with its newline) in CSV_COLUMNS order; fields outside the schema are left out (JSONL keeps them). */
export function csvRow(record: Record<string, unknown>): string {
  const flat = flatten(record);
  return `${CSV_COLUMNS.map((column) => csvField(flat[column])).join(',')}\n`;
}
