// Which failures count as "Redis is briefly unusable" (answered 503 / unavailable with Retry-After) and which
// stay real failures (internal_error).
import { describe, expect, it } from 'vitest';
import { isUnavailable, UnavailableError } from '../../../src/lib/unavailable.js';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('isUnavailable', () => {
  it.each([
    ['a command timeout', new Error('Command timed out')],
    ['a disconnected client', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a closed connection', new Error('Connection is closed.')],
    [
      'retries used up',
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'),
    ],
    ['no cluster node', named('ClusterAllFailedError', 'Failed to refresh slots cache.')],
    ['Redis loading its data', named('ReplyError', 'LOADING Redis is loading the dataset in memory')],
    ['a failover', named('ReplyError', 'MASTERDOWN Link with MASTER is down')],
    ['a busy script', named('ReplyError', 'BUSY Redis is busy running a script.')],
    ['our own error', new UnavailableError()],
    ['a wrapped timeout', new Error('store read failed', { cause: new Error('Command timed out') })],
  ])('%s is retryable', (_name, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['a script error', named('ReplyError', 'ERR Error running script: attempt to index a nil value')],
    [
      'a wrong type',
      named('ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value'),
    ],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'Command timed out'],
    ['nothing', undefined],
  ])('%s is not', (_name, error) => {
    expect(isUnavailable(error)).toBe(false);
  });

  it('says how long to wait and is safe to show', () => {
    const error = new UnavailableError();
    expect(error.code).toBe('unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.message).toMatch(/retry in \d+ seconds/i);
  });
});
