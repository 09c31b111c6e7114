// What a provider is: which URLs belong to it, which calls write, and which headers it needs.
import type { HttpMethod, Level } from '../grants/types.js';

export interface ProviderCall {
  method: HttpMethod;
  url: URL;
  /** Parsed JSON body, or undefined when the call has none. */
  body: unknown;
}

export interface Provider {
  /** Registry slug, also the WorkOS Pipes provider slug ("linear"). */
  id: string;
  displayName: string;
  /** Origin calls must go to, e.g. "https://api.linear.app" (configured, never agent-chosen). */
  origin: string;
  /** Short hints for the assistant, shown after approval. */
  instructions: string;
  /** True when the URL (same origin already checked) is one of this provider's API paths. */
  matchesPath(url: URL): boolean;
  /** The level a call needs; anything unparseable or unknown needs `write` (fail closed). */
  requiredLevel(call: ProviderCall): Level;
  /** Headers the provider needs besides Authorization; they override anything the caller sent. */
  headers(): Record<string, string>;
}
