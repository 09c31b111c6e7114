// Specification of the decoded-grant memory: it answers exactly what decodeGrant answers, parsing only on change.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DecodedGrants } from '../../../src/grants/decoded-grants.js';
import * as codec from '../../../src/grants/store-codec.js';

const record = (status: string) =>
  JSON.stringify({
    id: 'g_0123456789abcdef_abcdefghijklmnop',
    kind: 'broad',
    status,
    providers: ['linear'],
    history: [{ at: 1, status }],
    policy: { rules: ['r1'], version: 'v1', decidedByRule: null, maxDurationMs: null, gates: [] },
  });

describe('decoded grants', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers what decodeGrant answers, with the use count of each call', () => {
    const grants = new DecodedGrants();
    const raw = record('approved');
    for (const uses of ['1', '2', null, 'not a number']) {
      expect(grants.decode('s1', raw, uses)).toEqual(codec.decodeGrant(raw, uses));
    }
  });

  it('parses a session’s record once while it is unchanged, and again when it changes', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const grants = new DecodedGrants();
    const approved = record('approved');
    grants.decode('s1', approved, '1');
    grants.decode('s1', `${approved}`, '2');
    expect(parse).toHaveBeenCalledTimes(1);
    const ended = grants.decode('s1', record('ended'), '3');
    expect(parse).toHaveBeenCalledTimes(2);
    expect(ended.status).toBe('ended');
    expect(ended.uses).toBe(3);
  });

  it('hands out a fresh object per call, so one call’s count never shows in another’s grant', () => {
    const grants = new DecodedGrants();
    const raw = record('approved');
    const first = grants.decode('s1', raw, '1');
    const second = grants.decode('s1', raw, '2');
    expect(first).not.toBe(second);
    expect(first.uses).toBe(1);
    expect(second.uses).toBe(2);
  });

  it('keeps each session apart, and stays right past its capacity', () => {
    const grants = new DecodedGrants(2);
    const approved = record('approved');
    const ended = record('ended');
    expect(grants.decode('s1', approved, '1').status).toBe('approved');
    expect(grants.decode('s2', ended, '1').status).toBe('ended');
    expect(grants.decode('s3', ended, '1').status).toBe('ended');
    expect(grants.decode('s1', approved, '5')).toEqual(codec.decodeGrant(approved, '5'));
  });

  it('refuses a malformed record as decodeGrant does', () => {
    expect(() => new DecodedGrants().decode('s1', '{"id":1}', '1')).toThrow('malformed grant record');
  });
});
