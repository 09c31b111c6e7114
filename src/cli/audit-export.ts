// `npm run --silent audit -- --since 24h [--until …] [--user EMAIL] [--grant ID] [--format jsonl|csv]`:
// prints the audit stream to stdout. Needs only REDIS_URL and REDIS_PREFIX. Exit 0 done, 1 failed, 2 bad arguments.
import { auditStreamKey } from '../audit/audit-log.js';
import { exportAudit } from '../audit/export.js';
import { EXPORT_USAGE, parseExportArgs } from '../audit/export-args.js';
import { ConfigError, redisConfig } from '../config.js';
import { redisFactory } from '../redis/connections.js';
import { describeRedis } from '../redis/settings.js';

const NAME = 'audit export';

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
  // A one-shot command connection that does not keep reconnecting when Redis is away.
  const client = redisFactory(redis).create('commands', { retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    process.stderr.write(
      `${NAME}: cannot reach Redis at ${describeRedis(redis)} (${(error as Error).message})\n`,
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
