// Call ids: the documented shape, and unique across many calls of one process.
import { describe, expect, it } from 'vitest';
import { newCallId } from '../../../src/audit/fields.js';

describe('newCallId', () => {
  it('is call_ and 16 hex digits, never the same twice', () => {
    const ids = Array.from({ length: 10_000 }, () => newCallId());
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^call_[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
