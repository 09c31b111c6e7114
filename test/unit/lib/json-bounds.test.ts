// Bounds on a caller's JSON, checked without recursion before anything walks it recursively.
import { describe, expect, it } from 'vitest';
import { jsonBoundsProblem, MAX_JSON_DEPTH } from '../../../src/lib/json-bounds.js';

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('jsonBoundsProblem', () => {
  it('accepts ordinary bodies and exactly the maximum depth', () => {
    expect(
      jsonBoundsProblem({ query: '{ viewer { id } }', variables: { a: [1, 2, { b: null }] } }),
    ).toBeNull();
    expect(jsonBoundsProblem(nested(MAX_JSON_DEPTH))).toBeNull();
  });

  it('refuses one level too deep, and 20,000 levels without overflowing the stack', () => {
    expect(jsonBoundsProblem(nested(MAX_JSON_DEPTH + 1))).toEqual({ reason: 'depth', limit: MAX_JSON_DEPTH });
    expect(jsonBoundsProblem(nested(20_000))).toEqual({ reason: 'depth', limit: MAX_JSON_DEPTH });
  });

  it('refuses a flat body with too many values', () => {
    expect(
      jsonBoundsProblem(
        Array.from({ length: 11 }, (_, i) => i),
        64,
        10,
      ),
    ).toEqual({
      reason: 'values',
      limit: 10,
    });
    expect(
      jsonBoundsProblem(
        Array.from({ length: 9 }, (_, i) => i),
        64,
        10,
      ),
    ).toBeNull();
  });
});
