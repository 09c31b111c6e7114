// Sandbox only: the providers' real public API addresses, which assistants know from training, so a call to
// https://api.linear.app/graphql reaches the local demo Linear instead of being refused. Never used in production.
import type { Provider } from './types.js';

export interface PublicApi {
  /** How server_info names it, e.g. "https://api.linear.app" or "https://<account>.snowflakecomputing.com". */
  label: string;
  /** True when the URL is on the provider's public API host (path is checked by the provider itself). */
  matches(url: URL): boolean;
}

const exactOrigin = (origin: string): PublicApi => ({
  label: origin,
  matches: (url) => url.origin === origin,
});

// Account hosts: <org>-<account>.snowflakecomputing.com, <locator>.<region>.<cloud>.snowflakecomputing.com.
const SNOWFLAKE_HOST = /^[a-z0-9][a-z0-9_.-]*\.snowflakecomputing\.com$/;

/** By provider id. */
export const PUBLIC_APIS: Readonly<Record<string, PublicApi>> = {
  linear: exactOrigin('https://api.linear.app'),
  notion: exactOrigin('https://api.notion.com'),
  snowflake: {
    label: 'https://<account>.snowflakecomputing.com',
    matches: (url) => url.protocol === 'https:' && url.port === '' && SNOWFLAKE_HOST.test(url.hostname),
  },
};

/**
 * The URL moved to the provider's configured origin when it is on that provider's public API and the
 * configured origin is another one (the sandbox's demo APIs); null when no provider's public API has it.
 */
export function routeToConfigured(url: URL, providers: readonly Provider[]): URL | null {
  for (const provider of providers) {
    const api = PUBLIC_APIS[provider.id];
    if (!api?.matches(url) || url.origin === provider.origin) continue;
    const routed = new URL(`${url.pathname}${url.search}${url.hash}`, provider.origin);
    return provider.matchesPath(routed) ? routed : null;
  }
  return null;
}
