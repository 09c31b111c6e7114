// Specification of URL resolution for the call tools: the provider and canonical URL, remembered per registry.
import { describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../../src/config.js';
import { ToolError } from '../../../../src/mcp/tool-kit.js';
import { resolveProviderUrl } from '../../../../src/mcp/tools/provider-url.js';
import { createProviderRegistry } from '../../../../src/providers/registry.js';

const demo: Config['providers'] = {
  linearUrl: 'http://127.0.0.1:5801',
  notionUrl: 'http://127.0.0.1:5802',
  notionVersion: '2025-09-03',
  snowflakeUrl: undefined,
};

describe('resolveProviderUrl', () => {
  it('names the provider and the canonical URL (fragment dropped, host lower-cased)', () => {
    const registry = createProviderRegistry(demo);
    const { provider, url } = resolveProviderUrl({ registry }, 'http://127.0.0.1:5802/v1/search?x=1#top');
    expect(provider.id).toBe('notion');
    expect(url).toBe('http://127.0.0.1:5802/v1/search?x=1');
  });

  it('resolves a URL text once per registry, and each registry by its own rules', () => {
    const production = createProviderRegistry(demo);
    const sandbox = createProviderRegistry(demo, { routePublicApis: true });
    const detect = vi.spyOn(production, 'detect');
    const first = resolveProviderUrl({ registry: production }, 'http://127.0.0.1:5801/graphql');
    const again = resolveProviderUrl({ registry: production }, 'http://127.0.0.1:5801/graphql');
    expect(again).toEqual(first);
    expect(detect).toHaveBeenCalledOnce();
    expect(resolveProviderUrl({ registry: sandbox }, 'https://api.linear.app/graphql').url).toBe(
      'http://127.0.0.1:5801/graphql',
    );
    expect(() => resolveProviderUrl({ registry: production }, 'https://api.linear.app/graphql')).toThrow(
      ToolError,
    );
  });

  it('refuses an unsupported URL every time, naming the supported ones', () => {
    const registry = createProviderRegistry(demo);
    for (let i = 0; i < 2; i++) {
      const error = (() => {
        try {
          resolveProviderUrl({ registry }, 'https://example.com/api');
        } catch (thrown) {
          return thrown as ToolError;
        }
      })();
      expect(error?.code).toBe('unsupported_url');
      expect(error?.message).toContain('Linear (http://127.0.0.1:5801)');
    }
  });

  it('stays right past the number of URLs it remembers', () => {
    const registry = createProviderRegistry(demo);
    for (let i = 0; i < 1_050; i++) resolveProviderUrl({ registry }, `http://127.0.0.1:5802/v1/pages/p${i}`);
    expect(resolveProviderUrl({ registry }, 'http://127.0.0.1:5802/v1/pages/p3').url).toBe(
      'http://127.0.0.1:5802/v1/pages/p3',
    );
  });
});
