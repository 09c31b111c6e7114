// The per-person cap on long polls: counts per person, frees on release (once, however often it is called).
import { describe, expect, it } from 'vitest';
import { LongPollCap, longPollCapNote } from '../../../src/mcp/long-poll-cap.js';

describe('LongPollCap', () => {
  it('lets each person hold up to the cap, and one more only after a release', () => {
    const cap = new LongPollCap(2);
    const first = cap.acquire('alice');
    const second = cap.acquire('alice');
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(cap.acquire('alice')).toBeNull();
    expect(cap.acquire('bob')).toBeTypeOf('function');
    first!();
    first!();
    expect(cap.holding('alice')).toBe(1);
    expect(cap.acquire('alice')).toBeTypeOf('function');
    expect(cap.acquire('alice')).toBeNull();
  });

  it('says the number in the note', () => {
    expect(longPollCapNote(4)).toMatch(/you already have 4 check_access_request calls waiting/);
  });
});
