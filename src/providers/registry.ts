// The providers Countersign can proxy to, built from configuration, and URL → provider detection.
import type { Config } from '../config.js';
import type { Level } from '../grants/types.js';
import { createLinearProvider } from './linear.js';
import { createNotionProvider } from './notion.js';
import { PUBLIC_APIS, routeToConfigured } from './public-origins.js';
import { createSnowflakeProvider } from './snowflake.js';
import type { Provider, ProviderCall } from './types.js';
import { parseProviderUrl, sameOrigin } from './url.js';

export interface ProviderRegistry {
  /** Registered providers in registry order (linear, notion, snowflake). */
  all(): Provider[];
  ids(): string[];
  get(id: string): Provider | undefined;
  /** The provider whose configured origin and API paths the URL is on; query and fragment are ignored. */
  detect(url: string | URL): Provider | undefined;
  /** The detected provider's level for the call; for a URL no provider owns, only GET is a read. */
  requiredLevel(call: ProviderCall): Level;
  /**
   * Sandbox mode: a URL on a provider's real public API (https://api.linear.app/graphql) moved to the
   * configured demo API; otherwise (and always outside the sandbox) the text unchanged.
   */
  route(text: string): string;
  /** Per provider id, the public API address routed to it ("https://api.linear.app"); empty when not routing. */
  routedPublicApis(): Record<string, string>;
}

export interface RegistryOptions {
  /** Route the providers' real public URLs to the configured (demo) APIs: sandbox mode only. */
  routePublicApis?: boolean;
}

export function createProviderRegistry(
  cfg: Config['providers'],
  options: RegistryOptions = {},
): ProviderRegistry {
  // Adding a provider: one file next to this one and one line here.
  const providers: Provider[] = [
    createLinearProvider(cfg.linearUrl),
    createNotionProvider(cfg.notionUrl, cfg.notionVersion),
    ...(cfg.snowflakeUrl ? [createSnowflakeProvider(cfg.snowflakeUrl)] : []),
  ];
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  if (byId.size !== providers.length) throw new Error('provider ids must be unique');

  const detect = (input: string | URL): Provider | undefined => {
    const url = parseProviderUrl(input);
    if (!url) return undefined;
    return providers.find((provider) => sameOrigin(url, provider.origin) && provider.matchesPath(url));
  };

  return {
    all: () => [...providers],
    ids: () => providers.map((provider) => provider.id),
    get: (id) => byId.get(id),
    detect,
    requiredLevel: (call) => {
      const provider = detect(call.url);
      if (provider) return provider.requiredLevel(call);
      return call.method.toUpperCase() === 'GET' ? 'read' : 'write';
    },
    route: (text) => {
      if (!options.routePublicApis) return text;
      const url = parseProviderUrl(text);
      const routed = url ? routeToConfigured(url, providers) : null;
      return routed ? routed.href : text;
    },
    routedPublicApis: () =>
      options.routePublicApis
        ? Object.fromEntries(
            providers
              .filter((p) => PUBLIC_APIS[p.id] && PUBLIC_APIS[p.id]!.label !== p.origin)
              .map((p) => [p.id, PUBLIC_APIS[p.id]!.label]),
          )
        : {},
  };
}
