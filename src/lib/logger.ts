// The structured logger (pino). Secrets never reach it: callers log ids and outcomes, never tokens or bodies.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
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
  });
}
