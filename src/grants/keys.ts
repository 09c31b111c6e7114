// Builds every Redis key and channel name of the grant store, so a session and its grants share one hash tag.
import { createHash } from 'node:crypto';
import { BoundedMemo } from '../lib/bounded-memo.js';
import type { SessionIdentity } from './types.js';

export type SessionRef = Pick<SessionIdentity, 'sid' | 'organizationId'>;

/** `g_<16 hex session hash>_<base32 random>`: no ':' (BullMQ job ids), URL safe, and it names its hash tag. */
const GRANT_ID = /^g_([0-9a-f]{16})_([a-z2-7]{16,64})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** 10 bytes = 80 bits: ids must not be guessable, since a grant id alone can be polled. */
export const MIN_RANDOM_BYTES = 10;

/**
 * Sessions whose hash is remembered: every call names its session's keys, and a sha256 (a Hash object, a
 * Buffer, two strings) per call is waste when a process serves the same few thousand sessions all day.
 */
const sessionHashes = new BoundedMemo(10_000, (input: string) =>
  createHash('sha256').update(input).digest('hex').slice(0, 16),
);

/** First 16 hex chars of sha256(sid NUL org): the same (sid, org) always lands in the same hash slot. */
export function sessionHash(ref: SessionRef): string {
  return sessionHashes.get(`${ref.sid}\0${ref.organizationId ?? ''}`);
}

/** Lower-case RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** The session hash a well-formed grant id carries, or null for anything malformed or tampered with. */
export function parseGrantId(id: unknown): { sessionHash: string } | null {
  if (typeof id !== 'string') return null;
  const match = GRANT_ID.exec(id);
  return match ? { sessionHash: match[1]! } : null;
}

export interface GrantKeys {
  readonly prefix: string;
  /** Pub/sub channel carrying `<grantId> <status>` after every write. */
  readonly events: string;
  /**
   * Pub/sub channel carrying `<grantId> <stored grant JSON>` when a pending grant is decided, published just before
   * its `events` line: a waiter answers from it without reading the grant back.
   */
  readonly decisions: string;
  sessionHash(ref: SessionRef): string;
  /** A new grant id for this session; `random` must hold at least MIN_RANDOM_BYTES bytes. */
  newGrantId(ref: SessionRef, random: Uint8Array): string;
  session(ref: SessionRef): string;
  /** The session key a grant id belongs to; null when the id is malformed. */
  sessionOfGrant(id: string): string | null;
  grant(id: string): string | null;
  uses(id: string): string | null;
  /** Hash of upstream outcomes (`2xx`, `4xx`, …, `last`) for the Slack message's usage line. */
  usage(id: string): string | null;
}

/** Keys under `prefix` (default 'cs:'); the prefix may not hold braces, which would move the hash tag. */
export function grantKeys(prefix = 'cs:'): GrantKeys {
  if (/[{}]/.test(prefix)) throw new Error(`Redis prefix must not contain '{' or '}': ${prefix}`);
  const tagged = (hash: string) => `${prefix}{s:${hash}}`;
  const forGrant = (id: string, suffix: string) => {
    const parsed = parseGrantId(id);
    return parsed ? `${tagged(parsed.sessionHash)}:${suffix}` : null;
  };
  return {
    prefix,
    events: `${prefix}grant-events`,
    decisions: `${prefix}grant-decisions`,
    sessionHash,
    newGrantId(ref, random) {
      if (random.length < MIN_RANDOM_BYTES)
        throw new Error(`grant ids need at least ${MIN_RANDOM_BYTES} random bytes`);
      return `g_${sessionHash(ref)}_${base32(random)}`;
    },
    session: (ref) => `${tagged(sessionHash(ref))}:session`,
    sessionOfGrant: (id) => forGrant(id, 'session'),
    grant: (id) => forGrant(id, `grant:${id}`),
    uses: (id) => forGrant(id, `uses:${id}`),
    usage: (id) => forGrant(id, `usage:${id}`),
  };
}
