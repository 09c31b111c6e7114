// Deterministic JSON text (object keys sorted recursively) so an approved body can be compared exactly.

/**
 * JSON.stringify semantics (toJSON honoured, undefined/function/symbol properties skipped, such
 * array items and non-finite numbers become null) but every object's keys sorted by UTF-16 code
 * units, including integer-like keys, which plain objects would otherwise reorder numerically.
 * Throws TypeError for a top-level value JSON cannot represent (so "no body" is never mistaken for
 * "null"), for cycles, and for BigInt.
 */
export function canonicalJson(value: unknown): string {
  const text = serialize(value, '', new Set());
  if (text === undefined) throw new TypeError(`canonicalJson: cannot represent ${typeof value} as JSON`);
  return text;
}

function serialize(input: unknown, key: string, ancestors: Set<object>): string | undefined {
  let value = input;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt cannot be serialized');
    case 'object':
      break;
    default:
      // undefined, function, symbol: skipped in objects, null in arrays (as JSON.stringify does).
      return undefined;
  }
  const object = value as object;
  if (ancestors.has(object)) throw new TypeError('canonicalJson: circular structure');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item, index) => serialize(item, String(index), ancestors) ?? 'null');
      return `[${items.join(',')}]`;
    }
    // Boxed primitives (new String('x')) serialise as their primitive, as JSON.stringify does.
    if (object instanceof String || object instanceof Number || object instanceof Boolean) {
      return JSON.stringify(object);
    }
    const record = object as Record<string, unknown>;
    const members: string[] = [];
    for (const name of Object.keys(record).sort()) {
      const text = serialize(record[name], name, ancestors);
      if (text !== undefined) members.push(`${JSON.stringify(name)}:${text}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}
