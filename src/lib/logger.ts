// The structured logger (pino). Secrets never reach it: callers log ids and outcomes, never tokens or bodies.
import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * Lines go to stdout through an asynchronous destination: under load, lines logged while a write is on its way
 * leave together in the next one, instead of one blocking write per line (every tool call logs its audit event
 * at info). pino flushes what is left when the process exits; a SIGKILL can lose the lines of the write in
 * flight, which the audit stream in Redis keeps anyway.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'countersign' },
      redact: {
        paths: [
          'token',
          'accessToken',
          'authorization',
          '*.token',
          '*.accessToken',
          '*.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
