// Specification of the bounded get-or-compute memory behind the call path's remembered hashes and parses.
import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../../../src/lib/bounded-memo.js';

describe('BoundedMemo', () => {
  it('computes each key once, null answers included', () => {
    const computed: string[] = [];
    const memo = new BoundedMemo(10, (key: string) => {
      computed.push(key);
      return key === 'bad' ? null : key.toUpperCase();
    });
    expect([memo.get('a'), memo.get('a'), memo.get('bad'), memo.get('bad')]).toEqual(['A', 'A', null, null]);
    expect(computed).toEqual(['a', 'bad']);
  });

  it('starts over once it holds max entries', () => {
    const computed: number[] = [];
    const memo = new BoundedMemo(2, (key: number) => {
      computed.push(key);
      return key * 2;
    });
    memo.get(1);
    memo.get(2);
    memo.get(3); // full: forgets 1 and 2, keeps 3
    memo.get(3);
    memo.get(1);
    expect(computed).toEqual([1, 2, 3, 1]);
  });

  it('remembers nothing when computing throws', () => {
    let calls = 0;
    const memo = new BoundedMemo(10, (key: string) => {
      calls++;
      throw new Error(`no ${key}`);
    });
    expect(() => memo.get('x')).toThrow('no x');
    expect(() => memo.get('x')).toThrow('no x');
    expect(calls).toBe(2);
  });
});
