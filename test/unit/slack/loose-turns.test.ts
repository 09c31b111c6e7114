// Turns given to calls made outside a job are kept by the client: its next call through that gate presents the
// earliest that has come, once; turns not yet due, or long past, are not presented.
import { describe, expect, it } from 'vitest';
import { LooseTurns } from '../../../src/slack/loose-turns.js';

describe('LooseTurns', () => {
  const now = 1_000_000;

  it('presents the earliest turn that has come, once, and only in its own gate', () => {
    const turns = new LooseTurns();
    turns.keep('chat.postMessage:C1', 'late', 3_000, now);
    turns.keep('chat.postMessage:C1', 'early', 1_000, now);
    expect(turns.take('chat.postMessage:C2', now + 1_000)).toBeUndefined();
    expect(turns.take('chat.postMessage:C1', now + 1_000)).toBe('early');
    expect(turns.take('chat.postMessage:C1', now + 1_000)).toBeUndefined();
    expect(turns.take('chat.postMessage:C1', now + 3_000)).toBe('late');
  });

  it('presents a turn half a pace early at most, and forgets one a minute past', () => {
    const turns = new LooseTurns();
    turns.keep('g', 'soon', 2_000, now);
    expect(turns.take('g', now + 1_000)).toBeUndefined();
    expect(turns.take('g', now + 1_600)).toBe('soon');
    turns.keep('g', 'stale', 0, now);
    expect(turns.take('g', now + 61_000)).toBeUndefined();
  });
});
