// How the Redis store's data looks on the wire: script replies, grant JSON and session hashes.
import type { SessionRef } from './keys.js';
import type { SessionRecord } from './store-api.js';
import { UNDECIDED } from './transitions.js';
import type { Grant } from './types.js';

/** Every Lua script answers with an explicit status string first (never a bare nil/false). */
export type ScriptReply =
  | { code: 'ok'; fields: string[] }
  | { code: 'conflict'; current: string }
  | { code: 'missing' | 'retry' | 'forbidden' };

export function parseReply(reply: unknown): ScriptReply {
  if (!Array.isArray(reply) || !reply.every((part) => typeof part === 'string')) throw unexpectedReply(reply);
  const [code, ...rest] = reply as string[];
  if (code === 'ok') return { code, fields: rest };
  if (code === 'conflict' && rest[0] !== undefined) return { code, current: rest[0] };
  if (code === 'missing' || code === 'retry' || code === 'forbidden') return { code };
  throw unexpectedReply(reply);
}

export function unexpectedReply(reply: unknown): Error {
  return new Error(`grant store: unexpected script reply ${JSON.stringify(reply)?.slice(0, 200)}`);
}

/** Fields a stored record leaves out while they are null (most of them, for a pending grant). */
const NULL_WHEN_ABSENT = {
  clientName: null,
  reason: null,
  request: null,
  ...UNDECIDED,
} satisfies Partial<Grant>;

/**
 * The stored form of a grant: null fields and the use count (which lives in its own key, so recording a call
 * never rewrites the record) are left out; a pending grant is a few hundred bytes smaller for it.
 */
export function encodeGrant(grant: Grant): string {
  const stored: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(grant))
    if (value !== null && field !== 'uses') stored[field] = value;
  return JSON.stringify(stored);
}

/** Parses a stored record (with or without its null fields); the use count comes from its own key. */
export function decodeGrant(raw: string, uses: string | null): Grant {
  const counted = uses === null ? Number.NaN : Number(uses);
  // One object per read (this runs on every call): the defaults, the record, the count.
  const grant = { ...NULL_WHEN_ABSENT, uses: 0, ...(JSON.parse(raw) as Partial<Grant>) } as Grant;
  if (typeof grant?.id !== 'string' || typeof grant.status !== 'string' || !Array.isArray(grant.history)) {
    throw new Error('grant store: malformed grant record');
  }
  if (Number.isFinite(counted)) grant.uses = counted;
  return grant;
}

/** Field/value pairs that recreate the owner's session whole if it was evicted (written only where missing). */
export function sessionDefaults(grant: Grant, now: number): string[] {
  const { sid, organizationId, userId, userEmail } = grant.owner;
  return [
    ...['sid', sid, 'organizationId', organizationId ?? '', 'userId', userId, 'userEmail', userEmail],
    ...[
      'createdAt',
      String(now),
      'clientName',
      grant.clientName ?? '',
      'pendingBroadId',
      '',
      'activeBroadId',
      '',
    ],
  ];
}

/** Session hashes store null as '' (Redis hashes have no null). */
export function toSession(hash: Record<string, string>, ref: SessionRef): SessionRecord {
  return {
    sid: hash.sid || ref.sid,
    organizationId: hash.organizationId || null,
    userId: hash.userId ?? '',
    userEmail: hash.userEmail ?? '',
    createdAt: Number(hash.createdAt ?? 0),
    clientName: hash.clientName || null,
    clientUrlElicitation: hash.clientUrlElicitation === '1',
    elicitedGrantId: hash.elicitedGrantId || null,
    pendingBroadId: hash.pendingBroadId || null,
    activeBroadId: hash.activeBroadId || null,
  };
}

/** A flat [field, value, ...] reply as an object. */
export function pairsToHash(fields: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
  return hash;
}
