// Command-line arguments of `npm run audit`: parsed strictly, validated with zod, one clear message on error.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

export const EXPORT_USAGE = `Usage: npm run --silent audit -- [options]

Prints audit events from the Redis stream <REDIS_PREFIX>audit, oldest first.
Reads only REDIS_URL (default redis://127.0.0.1:6379) and REDIS_PREFIX (default cs:).

  --since WHEN      start: a duration ago (90m, 24h, 7d) or an ISO date/time (default 24h)
  --until WHEN      end, inclusive: same forms (default now)
  --user WHO        grant owner's email or WorkOS user id, or the approver's email
  --grant ID        one grant (the requestId the assistant sees)
  --format FORMAT   jsonl (default) or csv
  -h, --help        this text
`;

export interface ExportArgs {
  sinceMs: number;
  untilMs: number;
  user?: string | undefined;
  grant?: string | undefined;
  format: 'jsonl' | 'csv';
}

export type ParsedExportArgs =
  | { ok: true; help: true }
  | { ok: true; help: false; value: ExportArgs }
  | { ok: false; message: string };

const OPTIONS = {
  since: { type: 'string', multiple: true },
  until: { type: 'string', multiple: true },
  user: { type: 'string', multiple: true },
  grant: { type: 'string', multiple: true },
  format: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const DURATION = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A point in time: a duration before `now`, or an ISO 8601 date or date-time. */
const when = (now: number) =>
  z
    .string()
    .trim()
    .transform((text, ctx) => {
      if (DURATION.test(text)) return now - parseDuration(text)!;
      const ms = ISO_DATE.test(text) ? Date.parse(text) : Number.NaN;
      if (Number.isFinite(ms)) return ms;
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 24h or 7d, or an ISO date such as 2025-01-31T00:00:00Z, got "${text}"`,
      });
      return z.NEVER;
    });

const argsSchema = (now: number) =>
  z
    .strictObject({
      since: when(now).default(now - 24 * 3_600_000),
      until: when(now).default(now),
      user: z.string().trim().min(1, 'expected an email or a WorkOS user id').max(320).optional(),
      grant: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_:.-]{1,200}$/, 'expected a grant id such as g_0123abcd_xyz')
        .optional(),
      format: z.enum(['jsonl', 'csv'], { error: 'expected jsonl or csv' }).default('jsonl'),
    })
    .refine((a) => a.since <= a.until, { message: '--since must not be after --until', path: [] });

export function parseExportArgs(argv: string[], now: number): ParsedExportArgs {
  let values: Record<string, string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    return { ok: false, message: parseArgsMessage(error) };
  }
  if (values.help) return { ok: true, help: true };
  const single: Record<string, string> = {};
  for (const [name, given] of Object.entries(values)) {
    if (!Array.isArray(given)) continue;
    if (given.length > 1)
      return { ok: false, message: `--${name}: given ${given.length} times, expected once` };
    single[name] = given[0]!;
  }
  const parsed = argsSchema(now).safeParse(single);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.path.length > 0 ? `--${i.path.join('.')}: ${i.message}` : i.message,
    );
    return { ok: false, message: problems.join('; ') };
  }
  const { since, until, ...rest } = parsed.data;
  return { ok: true, help: false, value: { sinceMs: since, untilMs: until, ...rest } };
}

/** node:util's messages are long and mention positionals; ours name the option and point to --help. */
function parseArgsMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''} (see --help)`.replace('  ', ' ');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option ?? 'an option'}: expected a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}: options take the form --name value (see --help)`;
    default:
      return message.split('\n')[0] ?? 'invalid arguments';
  }
}
