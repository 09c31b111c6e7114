// Tells "Redis is briefly unusable" (a command timed out, the connection is down, Redis is loading) from a real
// failure, so every edge can answer it the same retryable way: 503 / `unavailable` with a Retry-After.

/** How long clients are told to wait before retrying: a Redis blip (failover, restart, pause) is seconds long. */
export const RETRY_AFTER_SECONDS = 2;

/** A dependency is briefly unusable; retrying later can succeed. Safe to show: it carries no detail. */
export class UnavailableError extends Error {
  readonly code = 'unavailable';
  readonly safe = true;
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;

  constructor(message = UNAVAILABLE_MESSAGE) {
    super(message);
    this.name = 'UnavailableError';
  }
}

/** A write that timed out may still be applied when Redis catches up, hence "may not". */
export const UNAVAILABLE_MESSAGE = `Countersign's storage did not answer in time, so this may not have been done. Retry in ${RETRY_AFTER_SECONDS} seconds.`;

/** ioredis's messages for a command that never got an answer (its error classes are not all exported). */
const CLIENT_MESSAGES = [
  'Command timed out', // commandTimeout
  "Stream isn't writeable", // disconnected, and the offline queue is off
  'Connection is closed.',
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  'None of startup nodes is available', // ClusterAllFailedError
  'Failed to refresh slots cache',
  'Cluster isn',
];
const CLIENT_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
/** Redis replies that mean "not now" (loading a dataset, a busy script, a failover in progress). */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY)\b/;

/** True when the error (or its cause) means Redis could not answer right now, as opposed to a bug. */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (error instanceof UnavailableError) return true;
  if (CLIENT_ERROR_NAMES.has(error.name)) return true;
  if (CLIENT_MESSAGES.some((text) => error.message.startsWith(text))) return true;
  if (error.name === 'ReplyError' && TRANSIENT_REPLIES.test(error.message)) return true;
  return isUnavailable((error as { cause?: unknown }).cause, depth + 1);
}
