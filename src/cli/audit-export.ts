// `npm run --silent audit -- --since 24h [--until …] [--user EMAIL] [--grant ID] [--format jsonl|csv]`:
// prints the audit stream to stdout. Needs only REDIS_URL and REDIS_PREFIX. Exit 0 done, 1 failed, 2 bad arguments.
import { Redis } from 'ioredis';
import { auditStreamKey } from '../audit/audit-log.js';
import { exportAudit } from '../audit/export.js';
import { EXPORT_USAGE, parseExportArgs } from '../audit/export-args.js';
import { ConfigError, redisConfig } from '../config.js';

const NAME = 'audit export';

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured REDIS_URL';
  }
}

async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parseExportArgs(argv, Date.now());
  if (!args.ok) {
    process.stderr.write(`${NAME}: ${args.message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  let redis: ReturnType<typeof redisConfig>;
  try {
    redis = redisConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${NAME}: invalid configuration: ${error.problems.join('; ')}\n`);
    return 2;
  }
  const client = new Redis(redis.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    process.stderr.write(
      `${NAME}: cannot reach Redis at ${shown(redis.url)} (${(error as Error).message})\n`,
    );
    return 1;
  }
  try {
    const { written, invalid } = await exportAudit(
      client,
      auditStreamKey(redis.prefix),
      args.value,
      process.stdout,
    );
    if (invalid > 0) {
      process.stderr.write(
        `${NAME}: ${invalid} of ${written} records do not match the current schema (older or newer writers); exported as stored\n`,
      );
    }
    return 0;
  } finally {
    client.disconnect();
  }
}

// A closed pipe (`| head`) is a normal way to stop reading.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${NAME}: failed: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
