// Helpers for the fault tests and benches: grants approved straight in the server's Redis, and a timestamped
// Redis pause whose true end is observed rather than assumed.
import type { Client } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import type { Actor } from '../../src/grants/types.js';
import { callTool, textOf } from './mcp-client.js';

const MINUTE = 60_000;
export const APPROVER: Actor = { type: 'user', id: 'user_bob', email: 'bob@sandbox.test', via: 'web' };

/** A grant store on the server's Redis and prefix, with the server's default windows. */
export function storeFor(redisUrl: string, prefix: string): { store: RedisGrantStore; redis: Redis } {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  // Fault tests take this Redis away on purpose; the store's calls report it, the connection need not.
  redis.on('error', () => undefined);
  const store = new RedisGrantStore(redis, {
    prefix,
    decisionWindowMs: 5 * MINUTE,
    maxAccessMs: 60 * MINUTE,
    retentionMs: 24 * 60 * MINUTE,
    sessionTtlMs: 7 * 24 * 60 * MINUTE,
  });
  return { store, redis };
}

/** Asks for session access (pending until someone decides) and returns the request id. */
export async function requestAccess(client: Client, providers: string[], level = 'read'): Promise<string> {
  const result = await callTool(client, 'request_elevated_access', {
    kind: 'session',
    level,
    providers,
    durationMinutes: 60,
    reason: 'fault test',
  });
  const requestId = result.structuredContent?.requestId as string | undefined;
  if (result.isError || !requestId) throw new Error(`request failed: ${textOf(result)}`);
  return requestId;
}

/** Asks for session access and approves it in Redis, as an approver on the consent page would. */
export async function grantAccess(client: Client, store: RedisGrantStore, providers: string[]) {
  const requestId = await requestAccess(client, providers);
  const approved = await store.approve(requestId, APPROVER, {});
  if (!approved.ok) throw new Error(`approve ${requestId} failed: ${approved.code}`);
  return requestId;
}

export interface Pause {
  /** Resolves with the time (epoch ms) Redis answered a command again: the pause's true end. */
  over: Promise<number>;
}

/**
 * `CLIENT PAUSE <ms> ALL` on a connection of its own, then a PING on another that Redis holds until the pause
 * ends: its answer marks the end as Redis saw it, whatever the machine's speed.
 */
export async function pauseRedis(url: string, ms: number): Promise<Pause> {
  const admin = new Redis(url);
  const probe = new Redis(url);
  await Promise.all([admin.ping(), probe.ping()]);
  await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  const over = probe.ping().then(() => Date.now());
  void over.finally(() => {
    admin.disconnect();
    probe.disconnect();
  });
  return { over };
}

/** How a tool call during a fault ended. */
export type FaultOutcome = 'ok' | 'unavailable' | 'http_503' | 'internal_error' | 'other';

export async function outcomeOf(
  call: Promise<{ isError?: boolean; structuredContent?: Record<string, any> }>,
): Promise<FaultOutcome> {
  try {
    const result = await call;
    if (!result.isError) return 'ok';
    const code = result.structuredContent?.error;
    if (code === 'unavailable' || code === 'internal_error') return code;
    const named = /Error \((unavailable|internal_error)\)/.exec(textOf(result as never))?.[1];
    return (named as FaultOutcome | undefined) ?? 'other';
  } catch (error) {
    // SDK v2: an HTTP answer that is not OK is an SdkHttpError carrying the HTTP status.
    return (error as { status?: unknown }).status === 503 ? 'http_503' : 'other';
  }
}
