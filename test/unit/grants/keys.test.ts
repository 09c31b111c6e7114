// Specification of the key builder: one hash tag per session, grant ids that name it, tampered ids refused.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, grantKeys, parseGrantId, sessionHash } from '../../../src/grants/keys.js';

const ref = { sid: 'sess_1', organizationId: 'org_1' };
const random = new Uint8Array(15).fill(7);

describe('grant keys', () => {
  const keys = grantKeys('cs:');

  it('hashes (sid, org) so each organization of one sid is its own session', () => {
    expect(sessionHash(ref)).toMatch(/^[0-9a-f]{16}$/);
    expect(sessionHash(ref)).not.toBe(sessionHash({ sid: 'sess_1', organizationId: null }));
    expect(sessionHash({ sid: 'a', organizationId: 'b' })).not.toBe(
      sessionHash({ sid: 'a\0b', organizationId: null }),
    );
  });

  it('answers sha256(sid NUL org) every time, remembered or not (also past the memory’s size)', () => {
    const sha = (input: string) => createHash('sha256').update(input).digest('hex').slice(0, 16);
    expect(sessionHash(ref)).toBe(sha('sess_1\0org_1'));
    expect(sessionHash({ sid: 'sess_1', organizationId: null })).toBe(sha('sess_1\0'));
    for (let i = 0; i < 10_050; i++) sessionHash({ sid: `s_${i}`, organizationId: null });
    expect(sessionHash(ref)).toBe(sha('sess_1\0org_1'));
    expect(sessionHash({ sid: 's_7', organizationId: null })).toBe(sha('s_7\0'));
  });

  it('puts a session and all its grants under one hash tag', () => {
    const id = keys.newGrantId(ref, random);
    const tag = `{s:${sessionHash(ref)}}`;
    expect(id).toMatch(/^g_[0-9a-f]{16}_[a-z2-7]{24}$/);
    expect(id).not.toContain(':');
    expect(keys.session(ref)).toBe(`cs:${tag}:session`);
    expect(keys.grant(id)).toBe(`cs:${tag}:grant:${id}`);
    expect(keys.uses(id)).toBe(`cs:${tag}:uses:${id}`);
    expect(keys.sessionOfGrant(id)).toBe(keys.session(ref));
    expect(keys.events).toBe('cs:grant-events');
  });

  it('refuses malformed or tampered ids instead of building odd keys', () => {
    for (const bad of [
      '',
      'g_',
      'g_zzzz_abc',
      `g_${'a'.repeat(16)}_short`,
      `g_${'a'.repeat(16)}_${'a'.repeat(20)}:x`,
    ]) {
      expect(keys.grant(bad)).toBeNull();
    }
    expect(parseGrantId(`g_${'A'.repeat(16)}_${'a'.repeat(20)}`)).toBeNull();
    expect(parseGrantId(42)).toBeNull();
  });

  it('needs at least 80 random bits per id and a prefix without braces', () => {
    expect(() => keys.newGrantId(ref, new Uint8Array(9))).toThrow(/random bytes/);
    expect(() => grantKeys('cs:{x}:')).toThrow(/must not contain/);
  });

  it('encodes base32 per RFC 4648 (lower case, no padding)', () => {
    expect(base32(new TextEncoder().encode('foobar'))).toBe('mzxw6ytboi');
    expect(base32(new Uint8Array())).toBe('');
  });
});
