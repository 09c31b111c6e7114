// Which provider a call's URL belongs to, remembered per registry: resolving parses the URL several times over
// (routing, normalising, matching each provider's origin), and assistants call the same few URLs again and again.

import { BoundedMemo } from '../../lib/bounded-memo.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Provider } from '../../providers/types.js';
import { normalizeUrl } from '../../providers/url.js';
import { type ToolDeps, ToolError } from '../tool-kit.js';

export interface ResolvedUrl {
  provider: Provider;
  /** The URL's canonical form (normalizeUrl), the one per-call grants bind. */
  url: string;
}

/** URL texts remembered per registry; past it the memory starts over. Only successes are kept. */
const REMEMBERED_URLS = 1_000;
const resolved = new WeakMap<ProviderRegistry, BoundedMemo<string, ResolvedUrl>>();

/** The provider a URL belongs to, and the URL's canonical form; a clear error for anything else. */
export function resolveProviderUrl(deps: Pick<ToolDeps, 'registry'>, text: string): ResolvedUrl {
  let known = resolved.get(deps.registry);
  if (known === undefined) {
    const { registry } = deps;
    known = new BoundedMemo(REMEMBERED_URLS, (url: string) => resolve(registry, url));
    resolved.set(registry, known);
  }
  return known.get(text);
}

function resolve(registry: ProviderRegistry, text: string): ResolvedUrl {
  // In the sandbox a provider's real public URL goes to its demo API (an assistant knows the real ones).
  const url = normalizeUrl(registry.route(text));
  const provider = url ? registry.detect(url) : undefined;
  if (!url || !provider) {
    const supported = registry
      .all()
      .map((p) => `${p.displayName} (${p.origin})`)
      .join(', ');
    throw new ToolError(
      'unsupported_url',
      `Not a supported provider API URL: ${text.slice(0, 200)}. Supported: ${supported}.`,
    );
  }
  return { provider, url };
}
