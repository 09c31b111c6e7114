// Clients for the outage and rate-limit tests: one that fails fast on 5xx and 429, one that waits Retry-After.
import { LogLevel, WebClient } from '@slack/web-api';
import type { SlackStandIn } from '../../../src/sandbox/slack/index.js';
import { BOT_TOKEN } from './helpers.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** No retries, 429s rejected at once: what it sees is what the stand-in answered. */
export function strictClient(standIn: SlackStandIn, token = BOT_TOKEN): WebClient {
  return new WebClient(token, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

/** WebClient's own 429 handling: sleep Retry-After, then retry straight away (no extra backoff). */
export function patientClient(standIn: SlackStandIn): WebClient {
  return new WebClient(BOT_TOKEN, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 0 },
    logLevel: LogLevel.ERROR,
  });
}

/** The settled outcome of a call: the result or the error, never a throw. */
export const settle = <T>(call: Promise<T>): Promise<T | Record<string, unknown>> =>
  call.catch((error: unknown) => error as Record<string, unknown>);

/** A raw form POST, to see status, headers and body exactly. */
export async function rawCall(
  standIn: SlackStandIn,
  method: string,
  body = '',
  token: string | null = BOT_TOKEN,
) {
  const res = await fetch(`${standIn.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
