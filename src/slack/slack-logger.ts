// Bolt, the Web API client and Socket Mode log through our pino logger, as structured lines under `slack`.
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../lib/logger.js';

const PINO_LEVEL: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Slack's libraries chat at info; we keep their warnings and errors unless LOG_LEVEL asks for more. */
export function slackLogger(logger: Logger, name = 'slack'): SlackLogger {
  let level = LogLevel.WARN;
  let child = logger.child({ component: name });
  const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
  const emit = (at: LogLevel, parts: unknown[]) => {
    if (order.indexOf(at) < order.indexOf(level)) return;
    const error = parts.find((p): p is Error => p instanceof Error);
    const text = parts
      .filter((p) => !(p instanceof Error))
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
    child[PINO_LEVEL[at]](error ? { err: error } : {}, text);
  };
  return {
    debug: (...parts) => emit(LogLevel.DEBUG, parts),
    info: (...parts) => emit(LogLevel.INFO, parts),
    warn: (...parts) => emit(LogLevel.WARN, parts),
    error: (...parts) => emit(LogLevel.ERROR, parts),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next) => {
      child = logger.child({ component: next });
    },
  };
}
