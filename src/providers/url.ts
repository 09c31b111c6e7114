// Parsing, origin comparison and the canonical URL form that per-request grants are bound to.

/**
 * Parses an http(s) URL the way fetch will see it (WHATWG rules), or returns null.
 * URLs carrying credentials (`https://user:pass@host`) are refused: fetch rejects them anyway, and a
 * grant must never depend on text the upstream would not receive as a path.
 */
export function parseProviderUrl(input: string | URL): URL | null {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url;
}

/**
 * The canonical text a per-request grant binds: lowercase scheme and host, default port dropped,
 * fragment dropped, path and query kept in order (only WHATWG-normalised, exactly as fetch sends them).
 * Null when the text is not a credential-free http(s) URL.
 */
export function normalizeUrl(text: string): string | null {
  const url = parseProviderUrl(text);
  if (!url) return null;
  url.hash = '';
  return url.href;
}

/** The origin of a configured base URL (`https://api.linear.app/` → `https://api.linear.app`); throws when invalid. */
export function originOf(base: string): string {
  const url = parseProviderUrl(base);
  if (!url) throw new TypeError(`expected an http(s) URL without credentials, got "${base}"`);
  return url.origin;
}

/** True when the URL's scheme, host and port equal the origin's (default ports normalised). */
export function sameOrigin(url: URL, origin: string): boolean {
  // Only http(s) origins compare: every other scheme has the opaque origin "null", equal to each other.
  const expected = parseProviderUrl(origin);
  return expected !== null && url.origin === expected.origin;
}

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True for `localhost`, 127.0.0.0/8 and `::1` (bracketed as URL.hostname gives it, or bare).
 * Deliberately strict: `*.localhost` and IPv4-mapped forms are not trusted to resolve locally.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = IPV4_LOOPBACK.exec(host);
  if (!octets) return false;
  return octets.slice(1).every((octet) => Number(octet) <= 255);
}
