// The policy file's YAML, read with the `yaml` library, keeping each node's line so errors can name it.
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';

export type YamlPath = readonly (string | number)[];

export type YamlResult =
  | { ok: true; value: unknown; lineOf: (path: YamlPath) => number }
  | { ok: false; line: number; message: string };

/** What the library's error codes mean for someone editing a policy file. */
const MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate key',
  TAB_AS_INDENT: 'tabs are not allowed in indentation',
  MULTIPLE_DOCS: 'only one YAML document is allowed',
  MISSING_CHAR: 'unterminated quoted text or bracket',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping cannot start inside a value on one line: quote the value',
  MULTILINE_IMPLICIT_KEY: 'unexpected indentation: a key must be on a single line',
  BAD_INDENT: 'unexpected indentation',
};

/** Parses one YAML document; the first syntax error is returned with its line. */
export function parseYaml(text: string): YamlResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const [error] = doc.errors;
  if (error) {
    const known = MESSAGES[error.code];
    const key = error.code === 'DUPLICATE_KEY' ? duplicateKeyAt(text, error.pos[0]) : null;
    const message = key ? `duplicate key "${key}"` : (known ?? error.message.split('\n')[0]!);
    return { ok: false, line: lineAt(error.pos[0]), message };
  }
  let unresolved: { line: number; name: string } | null = null;
  visit(doc, {
    Alias(_key, alias) {
      if (!unresolved && alias.resolve(doc) === undefined) {
        unresolved = { line: lineAt(alias.range?.[0] ?? 0), name: alias.source };
      }
    },
  });
  if (unresolved) {
    const { line, name } = unresolved as { line: number; name: string };
    return {
      ok: false,
      line,
      message: `"*${name}" refers to no anchor; quote a value that starts with "*" (such as "*@example.com")`,
    };
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { ok: true, value, lineOf: (path) => lineOfPath(doc.contents, path, lineAt) };
}

/**
 * The line of the deepest node on `path` (the key's line for a mapping entry), so an unknown or missing key
 * points at its mapping when it is not there.
 */
function lineOfPath(root: unknown, path: YamlPath, lineAt: (offset: number) => number): number {
  let node = root as Node | null;
  let line = node?.range ? lineAt(node.range[0]) : 1;
  for (const part of path) {
    if (isAlias(node)) break;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      const key = pair.key as Node;
      if (key.range) line = lineAt(key.range[0]);
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (!item) break;
      if (item.range) line = lineAt(item.range[0]);
      node = item;
    } else break;
  }
  return line;
}

function duplicateKeyAt(text: string, offset: number): string | null {
  const match = /^\s*(?:-\s+)?["']?([^"':\n]+)["']?\s*:/.exec(text.slice(offset, offset + 200));
  return match?.[1]?.trim() ?? null;
}
