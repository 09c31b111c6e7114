// How the Redis store's data looks on the wire: script replies, grant JSON and session hashes.
import type { SessionRef } from './keys.js';
import type { SessionRecord } from './store-api.js';
import { readPolicy, type StoredPolicy, storePolicy } from './stored-policy.js';
import { UNDECIDED } from './transitions.js';
import type { Actor, Grant, HistoryEntry } from './types.js';

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

/** What was asked for, stored only once the grant differs from it (an approver narrowed it): most never do. */
const REQUESTED = [
  ['requestedLevel', 'level'],
  ['requestedProviders', 'providers'],
  ['requestedDurationMs', 'durationMs'],
] as const satisfies ReadonlyArray<readonly [keyof Grant, keyof Grant]>;

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The requester's own assistant, as the history records it (creating the request under the client's name, or
 * releasing or using it without): stored as its key alone, the record's owner and client name say the rest.
 */
const OWNERS_ASSISTANT = {
  '@assistant': (grant: Grant): Actor => ({
    type: 'assistant',
    id: grant.owner.userId,
    email: grant.owner.userEmail,
    ...(grant.clientName ? { name: grant.clientName } : {}),
    via: 'mcp',
  }),
  '@assistant-unnamed': (grant: Grant): Actor => ({
    type: 'assistant',
    id: grant.owner.userId,
    email: grant.owner.userEmail,
    via: 'mcp',
  }),
} as const;

type OwnersAssistant = keyof typeof OWNERS_ASSISTANT;

/** History entries with the owner's assistant as its key; exactly (key order too), so a read gives it back. */
function storeHistory(grant: Grant): unknown[] {
  const forms = Object.entries(OWNERS_ASSISTANT).map(([key, actor]) => [key, JSON.stringify(actor(grant))]);
  return grant.history.map((entry) => {
    const by = JSON.stringify(entry.by);
    const key = forms.find(([, form]) => form === by)?.[0];
    return key ? { ...entry, by: key } : entry;
  });
}

function readHistory(grant: Grant): HistoryEntry[] {
  return grant.history.map((entry) => {
    const by = entry.by as Actor | OwnersAssistant;
    return typeof by === 'string' && by in OWNERS_ASSISTANT
      ? { ...entry, by: OWNERS_ASSISTANT[by](grant) }
      : entry;
  });
}

/**
 * The stored form of a grant: null fields, the use count (which lives in its own key, so recording a call never
 * rewrites the record) and the requested fields equal to the granted ones are left out, the owner's assistant in
 * the history is a key, and the policy record is compacted (src/grants/stored-policy.ts): a pending grant is
 * about 300 bytes smaller for it. The store's Lua scripts read only what is kept as it was (status, kind,
 * level, providers, owner, expiresAt, and the history's length).
 */
export function encodeGrant(grant: Grant): string {
  const stored: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(grant))
    if (value !== null && field !== 'uses') stored[field] = value;
  for (const [requested, granted] of REQUESTED)
    if (same(grant[requested], grant[granted])) delete stored[requested];
  if (grant.policy) stored.policy = storePolicy(grant.policy);
  stored.history = storeHistory(grant);
  return JSON.stringify(stored);
}

/** Parses a stored record (in any form it was ever stored in); the use count comes from its own key. */
export function decodeGrant(raw: string, uses: string | null): Grant {
  const counted = uses === null ? Number.NaN : Number(uses);
  // One object per read (this runs on every call): the defaults, the record, the count.
  const grant = { ...NULL_WHEN_ABSENT, uses: 0, ...(JSON.parse(raw) as Partial<Grant>) } as Grant;
  if (typeof grant?.id !== 'string' || typeof grant.status !== 'string' || !Array.isArray(grant.history)) {
    throw new Error('grant store: malformed grant record');
  }
  if (Number.isFinite(counted)) grant.uses = counted;
  grant.requestedLevel ??= grant.level;
  grant.requestedProviders ??= [...grant.providers];
  grant.requestedDurationMs ??= grant.durationMs;
  if (grant.policy) grant.policy = readPolicy(grant.policy as StoredPolicy);
  grant.history = readHistory(grant);
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
