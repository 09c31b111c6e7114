// The structured logger (pino). Secrets never reach it: callers log ids and outcomes, never tokens or bodies.
import { pino } from 'pino';

export type Logger = pino.Logger;

/** Keys whose values never reach a log line, at the top level or one object down (`*.token`). */
export const REDACTED_KEYS = ['token', 'accessToken', 'authorization'] as const;

/**
 * Lines go to stdout through an asynchronous destination: under load, lines logged while a write is on its way
 * leave together in the next one, instead of one blocking write per line (every tool call logs its audit event
 * at info). pino flushes what is left when the process exits; a SIGKILL can lose the lines of the write in
 * flight, which the audit stream in Redis keeps anyway.
 */
export function createLogger(
  level: string,
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  return pino(
    {
      level,
      base: { service: 'countersign' },
      redact: {
        paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((key) => `*.${key}`), 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * The same logger without the redaction pass (about half of a line's cost), for lines whose shape is fixed and
 * can hold none of REDACTED_KEYS: the audit events (test/unit/audit/audit-line.test.ts checks their schema).
 */
export function unredacted(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}
