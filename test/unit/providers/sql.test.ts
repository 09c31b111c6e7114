// Which Snowflake SQL only reads: anything not provably a read needs write access.
import { describe, expect, it } from 'vitest';
import { sqlIsReadOnly } from '../../../src/providers/sql.js';

describe('sqlIsReadOnly: reads', () => {
  it.each([
    ['a simple SELECT', 'SELECT 1'],
    ['a lower-case SELECT with LIMIT', 'select * from orders limit 10'],
    ['a SELECT with a trailing semicolon', 'SELECT * FROM t LIMIT 10;'],
    ['a WITH ... SELECT', 'WITH recent AS (SELECT * FROM t LIMIT 5) SELECT * FROM recent'],
    ['a UNION of SELECTs', 'SELECT a FROM t UNION ALL SELECT a FROM u'],
    ['a SELECT with a subquery', 'SELECT a FROM t WHERE b IN (SELECT c FROM u)'],
    ['a parenthesised SELECT', '(SELECT 1)'],
    [
      'Snowflake syntax: QUALIFY, ::casts and v:path access',
      'SELECT v:a.b, x::int FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY x) = 1',
    ],
    ['a LATERAL FLATTEN', 'SELECT f.value FROM t, LATERAL FLATTEN(input => t.v) f'],
    ['SQL API ? bind placeholders', 'SELECT * FROM t WHERE a = ? AND b = ? LIMIT 10'],
    [
      'string functions named like statements',
      "SELECT REPLACE(a, 'x', 'y'), INSERT('abc', 1, 1, 'z') FROM t",
    ],
    ['words like DROP and ; inside a string', "SELECT * FROM t WHERE note = 'DROP TABLE t; --'"],
    ['a $$ string containing ;', 'SELECT $$a; DELETE FROM t$$'],
    ['a quoted identifier with doubled quotes', 'SELECT "my ""odd"" col" FROM "My Table"'],
    ['a SELECT after comments of every kind', '-- a\n// b\n/* c */ SELECT 1'],
    ['several reads', 'SELECT 1; SELECT 2; SHOW TABLES'],
    ['SHOW', 'SHOW TABLES'],
    [
      'SHOW with LIKE, IN and LIMIT',
      "SHOW TERSE TABLES LIKE '%orders%' IN SCHEMA db.public LIMIT 10 FROM 'a'",
    ],
    ['SHOW GRANTS', 'SHOW GRANTS TO ROLE analyst'],
    ['DESCRIBE TABLE', 'DESCRIBE TABLE db.public.orders'],
    ['DESC with TYPE = COLUMNS', 'desc table orders type = columns'],
    ['DESCRIBE after a comment', '/* why */ DESCRIBE TABLE t'],
    ['DESC of a function signature', 'DESC FUNCTION f(NUMBER, VARCHAR)'],
    ['EXPLAIN of a SELECT', 'EXPLAIN SELECT * FROM t'],
    ['EXPLAIN USING JSON of a SELECT', 'explain using json select * from t'],
  ])('%s', (_name, sql) => {
    expect(sqlIsReadOnly(sql)).toBe(true);
  });
});

describe('sqlIsReadOnly: writes', () => {
  it.each([
    ['INSERT', 'INSERT INTO t VALUES (1)'],
    ['UPDATE', 'UPDATE t SET a = 1'],
    ['DELETE', 'DELETE FROM t'],
    ['MERGE', 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1'],
    ['CREATE TABLE AS SELECT', 'CREATE TABLE x AS SELECT * FROM t'],
    ['DROP', 'DROP TABLE t'],
    ['TRUNCATE', 'TRUNCATE TABLE t'],
    ['ALTER', 'ALTER TABLE t ADD COLUMN b INT'],
    ['GRANT', 'GRANT SELECT ON t TO ROLE r'],
    ['USE', 'USE DATABASE d'],
    ['COPY INTO', 'COPY INTO t FROM @stage'],
    ['SELECT ... INTO', 'SELECT * INTO new_t FROM t'],
    ['SELECT ... INTO in the second part of a UNION', 'SELECT 1 UNION ALL SELECT * INTO z FROM t'],
    ['SELECT ... INTO in a subquery', 'SELECT * FROM (SELECT * INTO x FROM t)'],
    ['WITH ... INSERT', 'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x'],
    ['WITH ... DELETE', 'WITH x AS (SELECT 1) DELETE FROM t'],
    ['WITH ... UPDATE', 'WITH x AS (SELECT 1) UPDATE t SET a = 1'],
    ['WITH ... MERGE', 'WITH x AS (SELECT 1) MERGE INTO t USING x ON t.a = x.a WHEN MATCHED THEN DELETE'],
    ['CALL', 'CALL my_proc()'],
    ['EXECUTE IMMEDIATE', "EXECUTE IMMEDIATE 'SELECT 1'"],
    ['EXECUTE IMMEDIATE of a $$ block', 'EXECUTE IMMEDIATE $$ BEGIN DROP TABLE t; END; $$'],
    ['a Snowflake Scripting block', 'BEGIN SELECT 1; END'],
    ['SELECT FOR UPDATE, which takes locks', 'SELECT * FROM t FOR UPDATE'],
    ['a side-effecting SYSTEM$ function', 'SELECT SYSTEM$CANCEL_ALL_QUERIES(123)'],
    [
      'any SYSTEM$ function, even a harmless one, since the list of harmful ones is open',
      'SELECT system$typeof(1)',
    ],
    ['a SYSTEM$ function in a quoted identifier', 'SELECT "SYSTEM$ABORT_SESSION"(1)'],
    ['SHOW chained with the flow operator', 'SHOW TABLES ->> DELETE FROM t'],
    ['SELECT chained with the flow operator', 'SELECT 1 ->> SELECT 2'],
    ['->> anywhere, even where the parser would read a JSON operator', "SELECT a ->> 'b' FROM t"],
    ['EXPLAIN of a DELETE', 'EXPLAIN DELETE FROM t'],
    ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE SELECT 1'],
    ['EXPLAIN with an unknown USING format', 'EXPLAIN USING XML SELECT 1'],
    ['EXPLAIN of nothing', 'EXPLAIN'],
    ['EXPLAIN with anything between it and the explained SELECT', "EXPLAIN 'plan' SELECT 1"],
    ['EXPLAIN of a SELECT ... INTO', 'EXPLAIN SELECT * INTO x FROM t'],
    ['DESCRIBE that is not the first token', '(DESCRIBE TABLE t)'],
    ['SHOW followed by an expression operator', 'SHOW TABLES LIKE a || b'],
    ['a keyword that only starts like SHOW', 'SHOWX TABLES'],
  ])('%s', (_name, sql) => {
    expect(sqlIsReadOnly(sql)).toBe(false);
  });
});

describe('sqlIsReadOnly: a second statement is never hidden', () => {
  it.each([
    ['SELECT then DROP', 'SELECT 1; DROP TABLE t'],
    ['SHOW then DROP', 'SHOW TABLES; DROP TABLE t'],
    ['DESCRIBE then DELETE', 'DESC TABLE t; DELETE FROM t'],
    ['EXPLAIN then DROP', 'EXPLAIN SELECT 1; DROP TABLE t'],
    ['DROP after a backslash-escaped quote', "SELECT '\\''; DROP TABLE t; --'"],
    ['DROP after a doubled quote', "SELECT ''''; DROP TABLE t"],
    ['DROP after a block comment read without nesting', 'SELECT 1 /* /* */ ; DROP TABLE t; -- */'],
    ['DROP after a block comment read with nesting', "SELECT 1 /* /* */ ' */ ; DROP TABLE t; -- '"],
    ['DROP after $$ inside a word, read as a string start', "SELECT a$$ ' $$ ; DROP TABLE t; -- '"],
    ['DROP after a line comment ended by a carriage return', 'SELECT 1 -- note\r; DROP TABLE t'],
    ['DROP after a // comment', 'SELECT 1 // note\n; DROP TABLE t'],
    ['DROP after a quoted identifier', 'SELECT "a;b"; DROP TABLE t'],
    ['DROP after a $$ string', 'SELECT $$;$$; DROP TABLE t'],
  ])('%s', (_name, sql) => {
    expect(sqlIsReadOnly(sql)).toBe(false);
  });
});

describe('sqlIsReadOnly: fails closed', () => {
  it.each([
    ['an empty statement', ''],
    ['whitespace only', '  \n\t '],
    ['a comment only', '-- SELECT 1'],
    ['semicolons only', ';;'],
    ['garbage', 'please show me the tables'],
    ['an unterminated string', "SELECT 'abc"],
    ['a string ended only by an escaped quote', "SELECT 'abc\\'"],
    ['an unterminated quoted identifier', 'SELECT "abc'],
    ['an unterminated block comment', 'SELECT 1 /* never closed'],
    ['an unterminated $$ string', 'SELECT $$abc'],
    ['$$ inside a word, which Snowflake and we could read differently', 'SELECT a$$b FROM t'],
    ['a statement longer than the parse limit, even a plain SELECT', `SELECT '${'x'.repeat(100_000)}'`],
  ])('%s', (_name, sql) => {
    expect(sqlIsReadOnly(sql)).toBe(false);
  });

  it('a non-string statement', () => {
    expect(sqlIsReadOnly(42 as unknown as string)).toBe(false);
  });
});
