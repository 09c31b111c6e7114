// Decides whether Snowflake SQL only reads: our own Snowflake-accurate lexer, then node-sql-parser per statement.
import sqlParser from 'node-sql-parser/build/snowflake.js';

// The Snowflake-only build: a tenth of the size of the all-dialect bundle, same grammar.
const parser = new sqlParser.Parser();

/** Longer statements are not parsed (and so count as writes): the PEG parser's cost grows with size. */
const MAX_STATEMENT_LENGTH = 100_000;

/** Statement kinds node-sql-parser cannot parse in the Snowflake dialect but which only read. */
const KEYWORD_READS = new Set(['SHOW', 'DESC', 'DESCRIBE']);

interface Statement {
  /** The statement with comments blanked, literals replaced by `'s'` and binds by `0`. */
  text: string;
  /** Unquoted words in order, upper-cased, with their offsets in `text`. */
  words: { word: string; at: number }[];
  /** Contents of double-quoted identifiers, upper-cased. */
  quoted: string[];
  /** Every character that was not part of a word, literal, identifier or whitespace. */
  punctuation: string;
}

/**
 * True only when every statement is a SELECT (without INTO), SHOW, DESCRIBE/DESC, or EXPLAIN of a
 * read. Empty text, unparseable text, anything ambiguous, and any statement that is not a read make
 * the whole text a write: the caller then needs write authority (fail closed).
 */
export function sqlIsReadOnly(statement: string): boolean {
  if (typeof statement !== 'string' || statement.length > MAX_STATEMENT_LENGTH) return false;
  try {
    const statements = splitStatements(statement);
    if (statements === null || statements.length === 0) return false;
    return statements.every(isReadStatement);
  } catch {
    // A parser bug (or a stack overflow on absurd nesting) must not let a statement through.
    return false;
  }
}

function isReadStatement(statement: Statement): boolean {
  // The flow operator chains any statement after a SHOW or SELECT (`SHOW TABLES ->> DROP ...`).
  if (statement.text.includes('->>')) return false;
  // SYSTEM$ functions include side effects (SYSTEM$CANCEL_ALL_QUERIES, SYSTEM$ABORT_SESSION, ...).
  const names = [...statement.words.map((w) => w.word), ...statement.quoted];
  if (names.some((name) => name.includes('SYSTEM$'))) return false;

  const parsed = parseOne(statement.text);
  if (parsed?.type === 'select') return !hasIntoTarget(parsed);
  if (parsed?.type === 'show') return true;
  return isKeywordRead(statement);
}

/**
 * SHOW and DESCRIBE never write, but the parser rejects most of their forms. Accept them only when
 * they are the first token and the rest is plain words, literals, identifiers and `.,()=-`: nothing
 * that could start an expression or another statement. EXPLAIN is a read when what it explains is.
 */
function isKeywordRead(statement: Statement): boolean {
  const [first, second, third] = statement.words;
  if (!first || first.at !== statement.text.search(/\S/)) return false;
  if (KEYWORD_READS.has(first.word)) return /^[.,()=-]*$/.test(statement.punctuation);
  if (first.word !== 'EXPLAIN') return false;
  const using = second?.word === 'USING';
  if (using && !['TABULAR', 'JSON', 'TEXT'].includes(third?.word ?? '')) return false;
  const target = using ? statement.words[3] : second;
  // Only whitespace may separate the keywords, so nothing is skipped on the way to the target.
  const prefix = statement.text
    .slice(0, target?.at ?? 0)
    .trim()
    .split(/\s+/)
    .join(' ')
    .toUpperCase();
  if (!target || prefix !== (using ? `EXPLAIN USING ${third!.word}` : 'EXPLAIN')) return false;
  // What EXPLAIN wraps must itself be a SELECT: EXPLAIN of SHOW or EXPLAIN is not valid Snowflake.
  const parsed = parseOne(statement.text.slice(target.at));
  return parsed?.type === 'select' && !hasIntoTarget(parsed);
}

interface AstNode {
  type?: unknown;
}

function parseOne(text: string): AstNode | null {
  try {
    const ast: unknown = parser.astify(text, { database: 'snowflake' });
    const list = Array.isArray(ast) ? ast : [ast];
    return list.length === 1 && typeof list[0] === 'object' && list[0] !== null ? (list[0] as AstNode) : null;
  } catch {
    return null;
  }
}

/** True when any SELECT in the tree, at any depth (unions, subqueries), has an INTO target. */
function hasIntoTarget(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasIntoTarget);
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  const into = record.into as { expr?: unknown; position?: unknown } | null | undefined;
  if (into && typeof into === 'object' && (into.expr != null || into.position != null)) return true;
  return Object.values(record).some(hasIntoTarget);
}

const WORD_CHAR = /[A-Za-z0-9_$]/;
const LINE_END = /[\n\r\u0085\u2028\u2029]/;

/**
 * Splits text into statements with Snowflake's lexical rules: '...' strings with \ and '' escapes,
 * $$...$$ strings, "..." identifiers, and --, // and /* *\/ comments. Returns null when the text
 * is unterminated or ambiguous (a `/*` inside a block comment, `$$` inside a word), because a
 * reading that differs from Snowflake's could hide a second statement.
 */
function splitStatements(sql: string): Statement[] | null {
  const statements: Statement[] = [];
  let current: Statement = { text: '', words: [], quoted: [], punctuation: '' };
  const finish = () => {
    if (current.text.trim() !== '') statements.push(current);
    current = { text: '', words: [], quoted: [], punctuation: '' };
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ';') {
      finish();
      i += 1;
    } else if (/\s/.test(c)) {
      current.text += c;
      i += 1;
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      // Ending at any line break errs towards seeing more code, never less.
      while (i < sql.length && !LINE_END.test(sql[i]!)) i += 1;
      current.text += ' ';
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1 || sql.slice(i + 2, end).includes('/*')) return null;
      current.text += ' ';
      i = end + 2;
    } else if (c === "'") {
      const end = endOfString(sql, i + 1);
      if (end === -1) return null;
      current.text += "'s'";
      i = end + 1;
    } else if (c === '$' && next === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end === -1) return null;
      current.text += "'s'";
      i = end + 2;
    } else if (c === '"') {
      let name = '';
      i += 1;
      for (;;) {
        if (i >= sql.length) return null;
        if (sql[i] === '"' && sql[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (sql[i] === '"') {
          break;
        } else {
          name += sql[i];
          i += 1;
        }
      }
      i += 1;
      current.quoted.push(name.toUpperCase());
      // Only the statement's shape matters to the parser; a tame name avoids any quoting disagreement.
      current.text += `"${name.replace(/[^A-Za-z0-9_$ ]/g, '_') || '_'}"`;
    } else if (WORD_CHAR.test(c)) {
      const start = i;
      while (i < sql.length && WORD_CHAR.test(sql[i]!)) i += 1;
      const word = sql.slice(start, i);
      // Today the parser also rejects `$` in identifiers; this keeps the guarantee if it learns them.
      if (word.includes('$$')) return null;
      current.words.push({ word: word.toUpperCase(), at: current.text.length });
      current.text += word;
    } else if (c === '?') {
      // A bind placeholder of the SQL API; the parser's Snowflake grammar does not know it.
      current.text += '0';
      i += 1;
    } else {
      current.punctuation += c;
      current.text += c;
      i += 1;
    }
  }
  finish();
  return statements;
}

/** Index of the quote closing a '...' string whose body starts at `from`, or -1 when unterminated. */
function endOfString(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === "'" && sql[i + 1] === "'") {
      i += 2;
    } else if (sql[i] === "'") {
      return i;
    } else {
      i += 1;
    }
  }
  return -1;
}
