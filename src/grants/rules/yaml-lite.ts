// A deliberately small YAML subset for the policy file, keeping each value's line (no YAML library is installed).
//
// Supported: block mappings, block sequences (also at the parent key's indentation), one-line flow sequences
// `[a, 'b', "c"]`, plain / 'single' / "double" quoted scalars, `#` comments, one leading `---`.
// Scalars resolve as YAML 1.2's core schema does for what we need: true/false, null/~, integers, else text
// (so `09:00` stays the text "09:00"). Everything else (anchors, aliases, tags, block scalars `|` `>`, flow
// mappings `{}`, multi-line plain scalars, several documents, tabs in indentation, duplicate keys) is refused
// with its line, so a file this accepts means the same to any YAML 1.2 parser. Replace with the `yaml`
// package when it becomes a dependency: callers only use `parseYamlLite` and `lineOf`.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };
export type YamlPath = readonly (string | number)[];

export type YamlResult =
  | { ok: true; value: YamlValue; lineOf: (path: YamlPath) => number }
  | { ok: false; line: number; message: string };

interface Line {
  no: number;
  indent: number;
  text: string;
}

class YamlLiteError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*|'[^']*'|"[^"\\]*")\s*:(?:\s+(.*))?$/;

export function parseYamlLite(text: string): YamlResult {
  const lines: Line[] = [];
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  raw.forEach((source, index) => {
    const no = index + 1;
    const content = stripComment(source, no).replace(/\s+$/, '');
    if (content.trim() === '') return;
    const indentText = /^[ \t]*/.exec(content)?.[0] ?? '';
    if (indentText.includes('\t')) throw new YamlLiteError(no, 'tabs are not allowed in indentation');
    const body = content.slice(indentText.length);
    if (body === '---' && indentText === '') {
      if (lines.length > 0) throw new YamlLiteError(no, 'only one YAML document is allowed');
      return;
    }
    if (body === '...' || body.startsWith('%'))
      throw new YamlLiteError(no, `"${body}" is not supported here`);
    lines.push({ no, indent: indentText.length, text: body });
  });
  const positions = new Map<string, number>();
  const parser = new Parser(lines, positions);
  const value = lines.length === 0 ? null : parser.document();
  positions.set('', lines[0]?.no ?? 1);
  const lineOf = (path: YamlPath): number => {
    for (let n = path.length; n >= 0; n--) {
      const found = positions.get(pathKey(path.slice(0, n)));
      if (found !== undefined) return found;
    }
    return 1;
  };
  return { ok: true, value, lineOf };
}

/** `parseYamlLite` with its errors as values. */
export function parseYaml(text: string): YamlResult {
  try {
    return parseYamlLite(text);
  } catch (error) {
    if (error instanceof YamlLiteError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
}

function pathKey(path: YamlPath): string {
  return path.map(String).join('\u0000');
}

class Parser {
  private i = 0;
  constructor(
    private readonly lines: Line[],
    private readonly positions: Map<string, number>,
  ) {}

  document(): YamlValue {
    const first = this.lines[0]!;
    const value = this.block(first.indent, []);
    const rest = this.lines[this.i];
    if (rest) throw new YamlLiteError(rest.no, 'unexpected indentation');
    return value;
  }

  private block(indent: number, path: YamlPath): YamlValue {
    const line = this.lines[this.i]!;
    return isDash(line.text) ? this.sequence(indent, path) : this.mapping(indent, path);
  }

  private sequence(indent: number, path: YamlPath): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.lines[this.i]; line && line.indent === indent; line = this.lines[this.i]) {
      // A "key:" at a list's own indentation ends the list ("rules:\n- id: a\nversion: 1").
      if (!isDash(line.text)) break;
      const itemPath = [...path, items.length];
      this.positions.set(pathKey(itemPath), line.no);
      const rest = line.text.slice(1).replace(/^ +/, '');
      if (rest === '') {
        this.i++;
        items.push(this.nested(indent, itemPath, line.no));
      } else if (KEY.test(rest)) {
        // "- key: value": a mapping whose keys line up with this first one.
        const offset = line.text.length - rest.length;
        this.lines[this.i] = { no: line.no, indent: indent + offset, text: rest };
        items.push(this.mapping(indent + offset, itemPath));
      } else {
        this.i++;
        items.push(scalar(rest, line.no));
      }
    }
    return items;
  }

  private mapping(indent: number, path: YamlPath): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.lines[this.i]; line && line.indent >= indent; line = this.lines[this.i]) {
      if (line.indent > indent) throw new YamlLiteError(line.no, 'unexpected indentation');
      if (isDash(line.text))
        throw new YamlLiteError(line.no, 'a list item where a "key: value" was expected');
      const match = KEY.exec(line.text);
      if (!match) throw new YamlLiteError(line.no, `expected "key: value", got "${clip(line.text)}"`);
      const key = unquoteKey(match[1]!);
      if (Object.hasOwn(map, key)) throw new YamlLiteError(line.no, `duplicate key "${key}"`);
      const keyPath = [...path, key];
      this.positions.set(pathKey(keyPath), line.no);
      this.i++;
      const rest = match[2];
      if (rest === undefined || rest === '') {
        const next = this.lines[this.i];
        // A list may sit at its key's own indentation ("rules:\n- id: a").
        map[key] =
          next && next.indent === indent && isDash(next.text)
            ? this.sequence(indent, keyPath)
            : this.nested(indent, keyPath, line.no);
      } else {
        map[key] = scalar(rest, line.no);
      }
    }
    return map;
  }

  /** The block under a line ending in ":" or "-", or null when nothing is indented under it. */
  private nested(parentIndent: number, path: YamlPath, lineNo: number): YamlValue {
    const next = this.lines[this.i];
    if (!next || next.indent <= parentIndent) return null;
    this.positions.set(pathKey(path), lineNo);
    return this.block(next.indent, path);
  }
}

function isDash(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function unquoteKey(key: string): string {
  if (key.startsWith("'") || key.startsWith('"')) return key.slice(1, -1);
  return key;
}

function scalar(text: string, line: number): YamlValue {
  const first = text[0]!;
  if (first === "'") return singleQuoted(text, line);
  if (first === '"') return doubleQuoted(text, line);
  if (first === '[') return flowSequence(text, line);
  if (isDash(text))
    throw new YamlLiteError(line, 'a list cannot start on the same line here; put it on its own lines');
  if ('{&*!|>%@`?'.includes(first)) {
    throw new YamlLiteError(
      line,
      `"${first}" starts a YAML feature this policy file does not support; quote the value if it is text`,
    );
  }
  if (/:(\s|$)/.test(text))
    throw new YamlLiteError(line, `a "key: value" cannot follow here; quote the value`);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

function singleQuoted(text: string, line: number): string {
  if (!/^'([^']|'')*'$/.test(text)) throw new YamlLiteError(line, `unterminated or malformed 'quoted' text`);
  return text.slice(1, -1).replaceAll("''", "'");
}

function doubleQuoted(text: string, line: number): string {
  if (!/^"([^"\\]|\\["\\/nt])*"$/.test(text)) {
    throw new YamlLiteError(line, 'malformed "quoted" text (supported escapes: \\" \\\\ \\/ \\n \\t)');
  }
  return JSON.parse(text) as string;
}

function flowSequence(text: string, line: number): YamlValue[] {
  if (!text.endsWith(']')) throw new YamlLiteError(line, 'a [list] must close on the same line');
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const char of inner) {
    if (quote) {
      if (char === quote) quote = null;
      current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === ',') {
      items.push(current.trim());
      current = '';
    } else if (char === '[' || char === ']') {
      throw new YamlLiteError(line, 'nested [lists] are not supported');
    } else {
      current += char;
    }
  }
  items.push(current.trim());
  return items.map((item) => {
    if (item === '') throw new YamlLiteError(line, 'empty item in a [list]');
    return scalar(item, line);
  });
}

/** The line without its `# comment`; a `#` counts only at the start or after a space, outside quotes. */
function stripComment(source: string, line: number): string {
  let quote: string | null = null;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      // A quote opens quoted text only at the start of a value.
      const before = source.slice(0, i).trimEnd();
      if (before === '' || /[:\-[,]$/.test(before)) quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(source[i - 1]!))) {
      return source.slice(0, i);
    }
  }
  if (quote) throw new YamlLiteError(line, `unterminated ${quote}quoted${quote} text`);
  return source;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
