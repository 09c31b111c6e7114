// Which provider a URL belongs to: configured origin first, then each provider's API paths.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { createLinearProvider } from '../../../src/providers/linear.js';
import { createNotionProvider } from '../../../src/providers/notion.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { createSnowflakeProvider } from '../../../src/providers/snowflake.js';
import { sameOrigin } from '../../../src/providers/url.js';

const config: Config['providers'] = {
  linearUrl: 'https://api.linear.app',
  notionUrl: 'https://api.notion.com',
  notionVersion: '2025-09-03',
  snowflakeUrl: 'https://acme.snowflakecomputing.com',
};
const registry = createProviderRegistry(config);
const detected = (url: string | URL) => registry.detect(url)?.id;

describe('linear URL matching', () => {
  it('matches https://api.linear.app/graphql', () => {
    expect(detected('https://api.linear.app/graphql')).toBe('linear');
  });

  it('rejects plain http', () => {
    expect(detected('http://api.linear.app/graphql')).toBeUndefined();
  });

  it('rejects another host under linear.app', () => {
    expect(detected('https://evil.linear.app/graphql')).toBeUndefined();
  });

  it('rejects a path other than /graphql', () => {
    expect(detected('https://api.linear.app/rest')).toBeUndefined();
  });

  it('rejects a non-default port', () => {
    expect(detected('https://api.linear.app:8080/graphql')).toBeUndefined();
  });

  it('treats an explicit :443 and upper-case scheme and host as the default origin', () => {
    expect(detected('HTTPS://API.LINEAR.APP:443/graphql')).toBe('linear');
  });

  it('ignores the query string and fragment', () => {
    expect(detected('https://api.linear.app/graphql?operationName=Me#top')).toBe('linear');
  });

  it('requires the path to be exactly /graphql', () => {
    expect(detected('https://api.linear.app/graphql/')).toBeUndefined();
    expect(detected('https://api.linear.app/graphql/x')).toBeUndefined();
    expect(detected('https://api.linear.app/GraphQL')).toBeUndefined();
  });

  it('rejects a URL carrying credentials', () => {
    expect(detected('https://user:pass@api.linear.app/graphql')).toBeUndefined();
  });

  it('rejects a trailing-dot host, which is a different origin', () => {
    expect(detected('https://api.linear.app./graphql')).toBeUndefined();
  });
});

describe('notion URL matching', () => {
  it('matches /v1/pages', () => {
    expect(detected('https://api.notion.com/v1/pages')).toBe('notion');
  });

  it('matches a nested path such as /v1/blocks/abc/children', () => {
    expect(detected('https://api.notion.com/v1/blocks/abc/children')).toBe('notion');
  });

  it('rejects plain http', () => {
    expect(detected('http://api.notion.com/v1/pages')).toBeUndefined();
  });

  it('rejects another host', () => {
    expect(detected('https://api.notion.so/v1/pages')).toBeUndefined();
  });

  it('rejects /v2/ paths', () => {
    expect(detected('https://api.notion.com/v2/pages')).toBeUndefined();
  });

  it('rejects the root path', () => {
    expect(detected('https://api.notion.com/')).toBeUndefined();
  });

  it('rejects /v1 without the trailing slash', () => {
    expect(detected('https://api.notion.com/v1')).toBeUndefined();
  });

  it('judges the path after dot segments are resolved, as fetch sends it', () => {
    expect(detected('https://api.notion.com/v1/../admin')).toBeUndefined();
    expect(detected('https://api.notion.com/v1/%2e%2e/admin')).toBeUndefined();
  });
});

describe('snowflake URL matching', () => {
  it('matches /api/v2/statements', () => {
    expect(detected('https://acme.snowflakecomputing.com/api/v2/statements')).toBe('snowflake');
  });

  it('matches a statement handle path', () => {
    expect(detected('https://acme.snowflakecomputing.com/api/v2/statements/abc-123')).toBe('snowflake');
  });

  it('rejects plain http', () => {
    expect(detected('http://acme.snowflakecomputing.com/api/v2/statements')).toBeUndefined();
  });

  it('rejects a look-alike host such as evil-snowflakecomputing.com', () => {
    expect(detected('https://evil-snowflakecomputing.com/api/v2/statements')).toBeUndefined();
  });

  it('rejects other API paths', () => {
    expect(detected('https://acme.snowflakecomputing.com/api/v1/queries')).toBeUndefined();
  });

  it('rejects any account other than the configured one (fixed: the reference accepted every *.snowflakecomputing.com host)', () => {
    expect(detected('https://other.snowflakecomputing.com/api/v2/statements')).toBeUndefined();
    expect(detected('https://acme.eu-west-1.snowflakecomputing.com/api/v2/statements')).toBeUndefined();
  });

  it('requires a segment boundary after /api/v2/statements (fixed: the reference accepted /api/v2/statementsX)', () => {
    expect(detected('https://acme.snowflakecomputing.com/api/v2/statementsX')).toBeUndefined();
  });

  it('is not registered at all when no account URL is configured', () => {
    const without = createProviderRegistry({ ...config, snowflakeUrl: undefined });
    expect(without.ids()).toEqual(['linear', 'notion']);
    expect(without.get('snowflake')).toBeUndefined();
    expect(without.detect('https://acme.snowflakecomputing.com/api/v2/statements')).toBeUndefined();
  });
});

describe('detect', () => {
  it('detects Linear', () => {
    expect(detected('https://api.linear.app/graphql')).toBe('linear');
  });

  it('detects Notion', () => {
    expect(detected('https://api.notion.com/v1/search')).toBe('notion');
  });

  it('detects Snowflake', () => {
    expect(detected('https://acme.snowflakecomputing.com/api/v2/statements')).toBe('snowflake');
  });

  it('returns undefined for an unknown URL', () => {
    expect(detected('https://api.github.com/graphql')).toBeUndefined();
  });

  it('returns undefined for a malformed URL string', () => {
    expect(detected('not a url')).toBeUndefined();
  });

  it('returns undefined for http Linear', () => {
    expect(detected('http://api.linear.app/graphql')).toBeUndefined();
  });

  it('returns undefined for Linear on the wrong path', () => {
    expect(detected('https://api.linear.app/v1/issues')).toBeUndefined();
  });

  it("never lets one provider match another provider's URL", () => {
    const urls: Record<string, URL> = {
      linear: new URL('https://api.linear.app/graphql'),
      notion: new URL('https://api.notion.com/v1/pages'),
      snowflake: new URL('https://acme.snowflakecomputing.com/api/v2/statements'),
    };
    for (const provider of registry.all()) {
      for (const [owner, url] of Object.entries(urls)) {
        const matches = sameOrigin(url, provider.origin) && provider.matchesPath(url);
        expect({ provider: provider.id, owner, matches }).toEqual({
          provider: provider.id,
          owner,
          matches: owner === provider.id,
        });
      }
    }
  });

  it('accepts a URL object as well as a string', () => {
    expect(detected(new URL('https://api.linear.app/graphql'))).toBe('linear');
  });

  it('rejects non-http schemes', () => {
    expect(detected('ftp://api.linear.app/graphql')).toBeUndefined();
    expect(detected('file:///graphql')).toBeUndefined();
  });

  it('uses only the configured origin, including a loopback stand-in with a port', () => {
    const local = createProviderRegistry({ ...config, linearUrl: 'http://127.0.0.1:5799' });
    expect(local.detect('http://127.0.0.1:5799/graphql')?.id).toBe('linear');
    expect(local.detect('http://127.0.0.1:5800/graphql')).toBeUndefined();
    expect(local.detect('http://localhost:5799/graphql')).toBeUndefined();
    expect(local.detect('https://api.linear.app/graphql')).toBeUndefined();
  });
});

describe('provider registry', () => {
  it('lists providers in registry order and finds them by id', () => {
    expect(registry.ids()).toEqual(['linear', 'notion', 'snowflake']);
    expect(registry.all().map((provider) => provider.displayName)).toEqual(['Linear', 'Notion', 'Snowflake']);
    expect(registry.get('notion')?.id).toBe('notion');
  });

  it('returns undefined for an unknown id', () => {
    expect(registry.get('github')).toBeUndefined();
  });

  it('hands out a copy of its list, so callers cannot add providers', () => {
    registry.all().pop();
    expect(registry.all()).toHaveLength(3);
  });

  it('stores each origin normalised from the configured base URL', () => {
    expect(createLinearProvider('HTTPS://API.Linear.app:443/').origin).toBe('https://api.linear.app');
    expect(createSnowflakeProvider('https://acme.snowflakecomputing.com/x').origin).toBe(
      'https://acme.snowflakecomputing.com',
    );
  });

  it('refuses an invalid configured base URL', () => {
    expect(() => createNotionProvider('api.notion.com', '2025-09-03')).toThrow(TypeError);
  });
});

describe('provider headers and instructions', () => {
  it('Linear sends JSON', () => {
    expect(createLinearProvider(config.linearUrl).headers()).toEqual({ 'Content-Type': 'application/json' });
  });

  it('Notion sends the configured API version', () => {
    expect(createNotionProvider(config.notionUrl, '2026-01-15').headers()).toEqual({
      'Notion-Version': '2026-01-15',
      'Content-Type': 'application/json',
    });
  });

  it('Snowflake asks for OAuth token handling and JSON both ways', () => {
    expect(createSnowflakeProvider(config.snowflakeUrl!).headers()).toEqual({
      'X-Snowflake-Authorization-Token-Type': 'OAUTH',
      'Content-Type': 'application/json',
      Accept: 'application/json',
    });
  });

  it('Linear tells the assistant how to page with first: N', () => {
    expect(registry.get('linear')?.instructions).toContain('first: N');
  });

  it('Notion points at data sources and says the version header is automatic', () => {
    const text = registry.get('notion')?.instructions ?? '';
    expect(text).toContain('POST /v1/data_sources/{id}/query');
    expect(text).toMatch(/Notion-Version header .* added automatically/);
  });

  it('Snowflake insists on LIMIT and gives the body shape', () => {
    const text = registry.get('snowflake')?.instructions ?? '';
    expect(text).toContain('LIMIT');
    expect(text).toContain('{statement, warehouse?, role?, database?, schema?, timeout?}');
  });
});
