// Bounds checked before any recursive walk of a caller's JSON (canonical form, GraphQL detection, the upstream
// body): a body nested 20,000 levels deep would otherwise overflow the stack and surface as an internal error.

/** Deeper than any real API body; far below what a recursive walk can take. */
export const MAX_JSON_DEPTH = 64;
/** Values (objects, arrays, scalars) a body may hold: a flat but huge body is refused as clearly. */
export const MAX_JSON_VALUES = 100_000;

export type JsonBoundsProblem = { reason: 'depth' | 'values'; limit: number };

/** Walks the value without recursion; null when it is within both bounds. */
export function jsonBoundsProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  maxValues = MAX_JSON_VALUES,
): JsonBoundsProblem | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let seen = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (++seen > maxValues) return { reason: 'values', limit: maxValues };
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return { reason: 'depth', limit: maxDepth };
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return null;
}

/** The message a caller sees for a body out of bounds. */
export function describeJsonBoundsProblem(problem: JsonBoundsProblem): string {
  return problem.reason === 'depth'
    ? `The body nests deeper than ${problem.limit} levels; send a flatter body.`
    : `The body holds more than ${problem.limit.toLocaleString('en-US')} values; send a smaller body.`;
}
