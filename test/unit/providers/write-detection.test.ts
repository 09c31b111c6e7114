// Read or write: GraphQL operation types for Linear, endpoints for Notion, SQL for Snowflake, GET-only otherwise.
import { describe, expect, it } from 'vitest';
import type { HttpMethod } from '../../../src/grants/types.js';
import { graphqlContainsMutation } from '../../../src/providers/graphql.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';

const registry = createProviderRegistry({
  linearUrl: 'https://api.linear.app',
  notionUrl: 'https://api.notion.com',
  notionVersion: '2025-09-03',
  snowflakeUrl: 'https://acme.snowflakecomputing.com',
});
// Methods arrive from the MCP edge as typed upper-case strings; the cast lets tests prove case is normalised.
const level = (method: string, url: string, body?: unknown) =>
  registry.requiredLevel({ method: method as HttpMethod, url: new URL(url), body });

const LINEAR = 'https://api.linear.app/graphql';
const NOTION = 'https://api.notion.com/v1';
const SNOWFLAKE = 'https://acme.snowflakecomputing.com/api/v2/statements';
const UNKNOWN = 'https://api.example.com/things';

describe('graphqlContainsMutation', () => {
  it.each([
    ['a named query', 'query Viewer { viewer { id name } }'],
    ['a shorthand query', '{ viewer { id } }'],
    ['a query with variables', 'query Issue($id: String!) { issue(id: $id) { title } }'],
    ['fragments plus a query', 'fragment F on User { id } query { viewer { ...F } }'],
    ['a query after leading comments', '# mutation { deleteIssue }\n# another\nquery { viewer { id } }'],
    ['a subscription', 'subscription { issueCreated { id } }'],
    ['an introspection query', '{ __schema { types { name } } }'],
    ['a field named mutationLog', '{ mutationLog { id } }'],
    [
      'a string argument containing "mutation"',
      '{ issues(filter: { title: { eq: "mutation { x }" } }) { nodes { id } } }',
    ],
    ['several queries', 'query A { viewer { id } } query B { teams { nodes { id } } }'],
    ['fragments only', 'fragment A on User { id } fragment B on Team { name }'],
    ['a deeply nested query', '{ a { b { c { d { e { f { g { h } } } } } } } }'],
    ['an alias named mutation', '{ mutation: viewer { id } }'],
    ['an inline fragment', '{ node(id: "1") { ... on Issue { title } } }'],
  ])('reads: %s', (_name, document) => {
    expect(graphqlContainsMutation(document)).toBe(false);
  });

  it.each([
    ['a simple mutation', 'mutation { issueDelete(id: "1") { success } }'],
    ['a named mutation', 'mutation DeleteIssue { issueDelete(id: "1") { success } }'],
    ['a mutation after leading whitespace', '\n\t   mutation { issueDelete(id: "1") { success } }'],
    ['a mutation after leading comments', '# just a read\nmutation { issueDelete(id: "1") { success } }'],
    [
      'fragments plus a mutation',
      'fragment F on Issue { id } mutation { issueCreate(input: {}) { issue { ...F } } }',
    ],
    [
      'a document mixing a query and a mutation',
      'query Q { viewer { id } } mutation M { issueDelete(id: "1") { success } }',
    ],
    ['a mutation after several queries', 'query A { a } query B { b } query C { c } mutation D { d }'],
  ])('writes: %s', (_name, document) => {
    expect(graphqlContainsMutation(document)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['garbage text', 'this is not graphql at all'],
    ['a truncated document', 'query { viewer { id '],
  ])('fails closed (write) on %s', (_name, document) => {
    expect(graphqlContainsMutation(document)).toBe(true);
  });

  it('fails closed on whitespace and comments only', () => {
    expect(graphqlContainsMutation('  # nothing here\n  ')).toBe(true);
  });

  it('fails closed on a document too large to parse cheaply', () => {
    expect(graphqlContainsMutation(`{ ${'a '.repeat(60_000)}}`)).toBe(true);
    expect(graphqlContainsMutation(`{ ${'a '.repeat(1_000)}}`)).toBe(false);
  });

  it('answers the same for a remembered document, and past the memory bound', () => {
    const documents = Array.from({ length: 1_200 }, (_, i) =>
      i % 2 ? `query Q${i} { viewer { id } }` : `mutation M${i} { issueCreate { success } }`,
    );
    for (let round = 0; round < 2; round++) {
      expect(documents.map(graphqlContainsMutation)).toEqual(documents.map((_, i) => i % 2 === 0));
    }
  });
});

describe('level for a URL no provider owns (reference isWriteOperationGeneric)', () => {
  it('GET without a body is a read', () => {
    expect(level('GET', UNKNOWN)).toBe('read');
  });

  it('GET with a body is still a read', () => {
    expect(level('GET', UNKNOWN, { anything: true })).toBe('read');
  });

  it('DELETE is a write', () => {
    expect(level('DELETE', UNKNOWN)).toBe('write');
  });

  it('PATCH without a body is a write', () => {
    expect(level('PATCH', UNKNOWN)).toBe('write');
  });

  it('PATCH with a body is a write', () => {
    expect(level('PATCH', UNKNOWN, { title: 'x' })).toBe('write');
  });

  it('POST without a body is a write', () => {
    expect(level('POST', UNKNOWN)).toBe('write');
  });

  it('POST with an arbitrary body is a write', () => {
    expect(level('POST', UNKNOWN, { name: 'thing' })).toBe('write');
  });

  it.each([
    ['a numeric', 42],
    ['an empty-string', ''],
    ['a null', null],
    ['a boolean', true],
    ['an array', ['{ viewer { id } }']],
  ])('POST with %s query field is a write', (_name, query) => {
    expect(level('POST', UNKNOWN, { query })).toBe('write');
  });

  it('POST with an empty object is a write', () => {
    expect(level('POST', UNKNOWN, {})).toBe('write');
  });

  it('POST with a GraphQL query body is a write: only Linear inspects GraphQL', () => {
    expect(level('POST', UNKNOWN, { query: '{ viewer { id } }' })).toBe('write');
  });

  it('POST with a GraphQL mutation body is a write', () => {
    expect(level('POST', UNKNOWN, { query: 'mutation { a }' })).toBe('write');
  });

  it('POST with a Snowflake SELECT body is a write: only the Snowflake URL inspects SQL', () => {
    expect(level('POST', UNKNOWN, { statement: 'SELECT 1' })).toBe('write');
  });

  it('POST with a Snowflake INSERT body is a write', () => {
    expect(level('POST', UNKNOWN, { statement: 'INSERT INTO t VALUES (1)' })).toBe('write');
  });

  it('normalises a lower-case method', () => {
    expect(level('get', UNKNOWN)).toBe('read');
  });

  it('normalises a mixed-case method', () => {
    expect(level('GeT', UNKNOWN)).toBe('read');
    expect(level('pOsT', UNKNOWN)).toBe('write');
  });
});

describe('level by provider (reference isWriteRequest)', () => {
  it('Notion search POST is a read', () => {
    expect(level('POST', `${NOTION}/search`, { query: 'roadmap' })).toBe('read');
  });

  it('Notion database query POST is a read', () => {
    expect(level('POST', `${NOTION}/databases/abc123/query`, {})).toBe('read');
  });

  it('Notion page creation POST is a write', () => {
    expect(level('POST', `${NOTION}/pages`, { parent: { page_id: 'p' } })).toBe('write');
  });

  it('Notion page PATCH is a write', () => {
    expect(level('PATCH', `${NOTION}/pages/abc123`, { archived: true })).toBe('write');
  });

  it('Notion block DELETE is a write', () => {
    expect(level('DELETE', `${NOTION}/blocks/abc123`)).toBe('write');
  });

  it('Notion comment POST is a write', () => {
    expect(level('POST', `${NOTION}/comments`, { rich_text: [] })).toBe('write');
  });

  it('Notion page GET is a read', () => {
    expect(level('GET', `${NOTION}/pages/abc123`)).toBe('read');
  });

  it('Linear query POST is a read', () => {
    expect(level('POST', LINEAR, { query: '{ viewer { id } }' })).toBe('read');
  });

  it('Linear mutation POST is a write', () => {
    expect(level('POST', LINEAR, { query: 'mutation { issueDelete(id: "1") { success } }' })).toBe('write');
  });

  it('Linear POST without a query is a write', () => {
    expect(level('POST', LINEAR, { variables: {} })).toBe('write');
  });

  it('Linear query with a smuggled Snowflake statement field is judged by the query alone (read)', () => {
    expect(level('POST', LINEAR, { query: '{ viewer { id } }', statement: 'DROP TABLE t' })).toBe('read');
  });

  it('Snowflake POST of a SELECT is a read (fixed: the reference made every Snowflake POST a write)', () => {
    expect(level('POST', SNOWFLAKE, { statement: 'SELECT * FROM t LIMIT 10' })).toBe('read');
  });

  it('Snowflake POST of a write statement with a smuggled read GraphQL query is still a write', () => {
    expect(level('POST', SNOWFLAKE, { statement: 'DELETE FROM t', query: '{ viewer { id } }' })).toBe(
      'write',
    );
  });

  it('Snowflake GET (fetching results) is a read', () => {
    expect(level('GET', `${SNOWFLAKE}/01b2-handle`)).toBe('read');
  });

  it('unknown-host POST is a write', () => {
    expect(level('POST', 'https://evil.example/graphql', { query: '{ viewer { id } }' })).toBe('write');
  });

  it('unknown-host GET is a read', () => {
    expect(level('GET', 'https://evil.example/graphql')).toBe('read');
  });

  it('normalises the method case for Notion', () => {
    expect(level('post', `${NOTION}/search`)).toBe('read');
    expect(level('Patch', `${NOTION}/pages/abc123`)).toBe('write');
  });

  it('normalises the method case for Linear', () => {
    expect(level('post', LINEAR, { query: 'mutation { a }' })).toBe('write');
    expect(level('Post', LINEAR, { query: '{ a }' })).toBe('read');
  });

  it('normalises the method case for Snowflake', () => {
    expect(level('get', `${SNOWFLAKE}/01b2-handle`)).toBe('read');
    expect(level('post', SNOWFLAKE, { statement: 'DROP TABLE t' })).toBe('write');
  });
});

describe('Linear levels beyond the reference', () => {
  const get = (query: string) => `${LINEAR}?query=${encodeURIComponent(query)}`;

  it('GET carrying a mutation in ?query= is a write (fixed: the reference trusted every GET)', () => {
    expect(level('GET', get('mutation { issueDelete(id: "1") { success } }'))).toBe('write');
  });

  it('GET carrying a query in ?query= is a read', () => {
    expect(level('GET', get('{ viewer { id } }'))).toBe('read');
  });

  it('GET carrying an unparseable ?query= is a write', () => {
    expect(level('GET', get('query {'))).toBe('write');
  });

  it('GET carrying an empty ?query= is a write', () => {
    expect(level('GET', `${LINEAR}?query=`)).toBe('write');
  });

  it('GET with no query parameter is a read', () => {
    expect(level('GET', `${LINEAR}?operationName=Viewer`)).toBe('read');
  });

  it('GET with two query parameters is a write when either is a mutation', () => {
    expect(level('GET', `${get('{ a }')}&query=${encodeURIComponent('mutation { b }')}`)).toBe('write');
  });

  it('GET naming a persisted query without its text is a write: the stored document could be a mutation', () => {
    expect(
      level('GET', `${LINEAR}?extensions=${encodeURIComponent('{"persistedQuery":{"sha256Hash":"ab"}}')}`),
    ).toBe('write');
  });

  it('GET with a body holding a mutation is a write', () => {
    expect(level('GET', LINEAR, { query: 'mutation { a }' })).toBe('write');
  });

  it('POST with a read body but a mutation in ?query= is a write', () => {
    expect(level('POST', get('mutation { a }'), { query: '{ viewer { id } }' })).toBe('write');
  });

  it('POST with a body that is not an object is a write', () => {
    expect(level('POST', LINEAR, '{ viewer { id } }')).toBe('write');
    expect(level('POST', LINEAR, [{ query: '{ viewer { id } }' }])).toBe('write');
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s is a write', (method) => {
    expect(level(method, LINEAR, { query: '{ viewer { id } }' })).toBe('write');
  });
});

describe('Notion levels beyond the reference', () => {
  it('data source query POST is a read (fixed: the reference made the current API read endpoint a write)', () => {
    expect(level('POST', `${NOTION}/data_sources/1a2b3c4d-0000-4000-8000-123456789abc/query`, {})).toBe(
      'read',
    );
  });

  it('data source PATCH is a write', () => {
    expect(level('PATCH', `${NOTION}/data_sources/abc123`, { title: [] })).toBe('write');
  });

  it('search with a trailing slash is a write: read endpoints match exactly', () => {
    expect(level('POST', `${NOTION}/search/`)).toBe('write');
  });

  it('query path with extra segments is a write', () => {
    expect(level('POST', `${NOTION}/databases/abc123/query/extra`)).toBe('write');
  });

  it('query path whose id hides an encoded slash or dots is a write', () => {
    expect(level('POST', `${NOTION}/databases/x%2F..%2Fpages/query`)).toBe('write');
    expect(level('POST', `${NOTION}/data_sources/a.b/query`)).toBe('write');
  });

  it('query string does not change the level', () => {
    expect(level('POST', `${NOTION}/data_sources/abc123/query?filter_properties=title`)).toBe('read');
  });

  it.each(['PUT', 'OPTIONS'])('%s is a write', (method) => {
    expect(level(method, `${NOTION}/search`)).toBe('write');
  });
});

describe('Snowflake levels beyond the reference', () => {
  it('POST of a SHOW statement is a read', () => {
    expect(level('POST', SNOWFLAKE, { statement: 'SHOW TABLES', warehouse: 'WH' })).toBe('read');
  });

  it('POST of an INSERT is a write', () => {
    expect(level('POST', SNOWFLAKE, { statement: 'INSERT INTO t VALUES (1)' })).toBe('write');
  });

  it('POST of a SELECT followed by a DROP is a write', () => {
    expect(level('POST', SNOWFLAKE, { statement: 'SELECT 1; DROP TABLE t' })).toBe('write');
  });

  it('POST without a statement is a write', () => {
    expect(level('POST', SNOWFLAKE, { warehouse: 'WH' })).toBe('write');
    expect(level('POST', SNOWFLAKE)).toBe('write');
  });

  it('POST with a statement that is not a string is a write', () => {
    expect(level('POST', SNOWFLAKE, { statement: ['SELECT 1'] })).toBe('write');
  });

  it('POST of a SELECT with ?async=true is still a read', () => {
    expect(level('POST', `${SNOWFLAKE}?async=true`, { statement: 'SELECT 1' })).toBe('read');
  });

  it('POST to cancel a statement is a write, whatever the body says', () => {
    expect(level('POST', `${SNOWFLAKE}/01b2-handle/cancel`, { statement: 'SELECT 1' })).toBe('write');
  });

  it.each(['PUT', 'DELETE', 'OPTIONS'])('%s is a write', (method) => {
    expect(level(method, SNOWFLAKE, { statement: 'SELECT 1' })).toBe('write');
  });
});
