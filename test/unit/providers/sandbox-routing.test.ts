// Sandbox mode routes the providers' real public URLs to the demo APIs; outside it nothing is rewritten.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';

const demo: Config['providers'] = {
  linearUrl: 'http://127.0.0.1:5801',
  notionUrl: 'http://127.0.0.1:5802',
  notionVersion: '2025-09-03',
  snowflakeUrl: 'http://127.0.0.1:5803',
};
const sandbox = createProviderRegistry(demo, { routePublicApis: true });
const production = createProviderRegistry(demo);

describe('sandbox routing of public provider URLs', () => {
  it('sends Linear, Notion and Snowflake public URLs to the demo APIs, path and query kept', () => {
    expect(sandbox.route('https://api.linear.app/graphql')).toBe('http://127.0.0.1:5801/graphql');
    expect(sandbox.route('https://api.notion.com/v1/search?x=1')).toBe('http://127.0.0.1:5802/v1/search?x=1');
    expect(sandbox.route('https://acme-xy12345.snowflakecomputing.com/api/v2/statements')).toBe(
      'http://127.0.0.1:5803/api/v2/statements',
    );
    expect(
      sandbox.route('https://ab12345.eu-central-1.snowflakecomputing.com/api/v2/statements/h1?partition=1'),
    ).toBe('http://127.0.0.1:5803/api/v2/statements/h1?partition=1');
    expect(sandbox.detect(sandbox.route('https://api.linear.app/graphql'))?.id).toBe('linear');
  });

  it('leaves everything else alone: other hosts, plain http, other paths, look-alike hosts', () => {
    for (const url of [
      'https://example.com/graphql',
      'http://api.linear.app/graphql',
      'https://api.linear.app/other',
      'https://api.linear.app.evil.test/graphql',
      'https://snowflakecomputing.com/api/v2/statements',
      'https://acme.snowflakecomputing.com.evil.test/api/v2/statements',
      'https://acme.snowflakecomputing.com:8443/api/v2/statements',
      'not a url',
    ])
      expect(sandbox.route(url), url).toBe(url);
  });

  it('says which public address goes where', () => {
    expect(sandbox.routedPublicApis()).toEqual({
      linear: 'https://api.linear.app',
      notion: 'https://api.notion.com',
      snowflake: 'https://<account>.snowflakecomputing.com',
    });
  });

  it('routes nothing outside the sandbox', () => {
    expect(production.route('https://api.linear.app/graphql')).toBe('https://api.linear.app/graphql');
    expect(production.detect(production.route('https://api.linear.app/graphql'))).toBeUndefined();
    expect(production.routedPublicApis()).toEqual({});
  });
});
