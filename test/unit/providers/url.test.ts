// The canonical forms per-request grants bind to (URL and JSON body), and origin and loopback checks.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/lib/canonical-json.js';
import {
  isLoopbackHost,
  normalizeUrl,
  originOf,
  parseProviderUrl,
  sameOrigin,
} from '../../../src/providers/url.js';

describe('normalizeUrl', () => {
  it('lower-cases scheme and host but keeps the path case', () => {
    expect(normalizeUrl('HTTPS://API.Linear.APP/GraphQL')).toBe('https://api.linear.app/GraphQL');
  });

  it('drops the default port and keeps any other', () => {
    expect(normalizeUrl('https://api.linear.app:443/graphql')).toBe('https://api.linear.app/graphql');
    expect(normalizeUrl('http://127.0.0.1:80/x')).toBe('http://127.0.0.1/x');
    expect(normalizeUrl('https://api.linear.app:8443/graphql')).toBe('https://api.linear.app:8443/graphql');
  });

  it('drops the fragment', () => {
    expect(normalizeUrl('https://api.notion.com/v1/pages/abc#section')).toBe(
      'https://api.notion.com/v1/pages/abc',
    );
  });

  it('keeps the query in its original order', () => {
    expect(normalizeUrl('https://api.notion.com/v1/search?b=2&a=1&b=1')).toBe(
      'https://api.notion.com/v1/search?b=2&a=1&b=1',
    );
  });

  it('keeps a trailing slash and percent-escapes as given', () => {
    expect(normalizeUrl('https://api.notion.com/v1/pages/%41b/')).toBe(
      'https://api.notion.com/v1/pages/%41b/',
    );
  });

  it('gives the path fetch would send: dot segments resolved, spaces escaped', () => {
    expect(normalizeUrl('https://api.notion.com/v1/x/../pages')).toBe('https://api.notion.com/v1/pages');
    expect(normalizeUrl('https://api.notion.com/v1/a b')).toBe('https://api.notion.com/v1/a%20b');
  });

  it('maps equivalent spellings to one string', () => {
    const spellings = [
      'https://api.linear.app/graphql',
      'HTTPS://api.LINEAR.app:443/graphql#x',
      'https:\\\\api.linear.app\\graphql',
    ];
    expect(new Set(spellings.map(normalizeUrl))).toEqual(new Set(['https://api.linear.app/graphql']));
  });

  it('returns null for text that is not an http(s) URL', () => {
    expect(normalizeUrl('not a url')).toBeNull();
    expect(normalizeUrl('/graphql')).toBeNull();
    expect(normalizeUrl('ftp://api.linear.app/graphql')).toBeNull();
    expect(normalizeUrl('javascript:alert(1)')).toBeNull();
  });

  it('returns null for a URL with credentials', () => {
    expect(normalizeUrl('https://me:secret@api.linear.app/graphql')).toBeNull();
  });
});

describe('parseProviderUrl', () => {
  it('returns the parsed URL for http and https', () => {
    expect(parseProviderUrl('https://api.linear.app/graphql')?.pathname).toBe('/graphql');
    expect(parseProviderUrl(new URL('http://127.0.0.1:5799/x'))?.port).toBe('5799');
  });

  it('returns null for other schemes, credentials and garbage', () => {
    expect(parseProviderUrl('file:///etc/passwd')).toBeNull();
    expect(parseProviderUrl('https://user@api.linear.app/')).toBeNull();
    expect(parseProviderUrl('http://')).toBeNull();
  });
});

describe('sameOrigin and originOf', () => {
  it('compares scheme, host and port with default ports normalised', () => {
    const url = new URL('https://api.linear.app/graphql?x=1');
    expect(sameOrigin(url, 'https://api.linear.app')).toBe(true);
    expect(sameOrigin(url, 'https://API.linear.app:443/')).toBe(true);
    expect(sameOrigin(url, 'http://api.linear.app')).toBe(false);
    expect(sameOrigin(url, 'https://api.linear.app:8443')).toBe(false);
    expect(sameOrigin(url, 'https://linear.app')).toBe(false);
  });

  it('never matches non-http origins, which all print as "null"', () => {
    expect(sameOrigin(new URL('file:///a'), 'file:///b')).toBe(false);
    expect(sameOrigin(new URL('data:text/plain,x'), 'null')).toBe(false);
  });

  it('originOf reduces a base URL to its origin and refuses anything else', () => {
    expect(originOf('http://127.0.0.1:5799/base/')).toBe('http://127.0.0.1:5799');
    expect(() => originOf('api.linear.app')).toThrow(TypeError);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]', '::1'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    'example.com',
    '10.0.0.1',
    '0.0.0.0',
    '127.0.0.256',
    '127.0.0.1.nip.io',
    'localhost.example.com',
    'app.localhost',
    '[::ffff:7f00:1]',
    '',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('agrees with URL parsing of shorthand IPv4 forms', () => {
    expect(isLoopbackHost(new URL('http://127.1/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://0x7f.0.0.1/').hostname)).toBe(true);
  });
});

describe('canonicalJson (binds approved request bodies)', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives equal text for objects that differ only in key order', () => {
    expect(canonicalJson({ query: 'q', variables: { id: 1, first: 5 } })).toBe(
      canonicalJson({ variables: { first: 5, id: 1 }, query: 'q' }),
    );
  });

  it('sorts integer-like keys as text too, which plain objects would reorder numerically', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', x: 'c' })).toBe('{"10":"a","9":"b","x":"c"}');
  });

  it('follows JSON.stringify for values JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: [undefined, Number.NaN], d: new Date(0) })).toBe(
      '{"c":[null,null],"d":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('escapes strings and keys exactly as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'v\u2028"' })).toBe(JSON.stringify({ 'k"\n': 'v\u2028"' }));
  });

  it('serialises boxed primitives as their values, as JSON.stringify does', () => {
    expect(canonicalJson({ s: new String('x'), n: new Number(1), b: new Boolean(false) })).toBe(
      '{"b":false,"n":1,"s":"x"}',
    );
  });

  it('serialises primitives at the top level', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(null)).toBe('null');
  });

  it('refuses undefined at the top level, so "no body" is never bound as "null"', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('refuses cycles and BigInt', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});
