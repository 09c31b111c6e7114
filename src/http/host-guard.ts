// DNS-rebinding protection: only configured Host names are served, and browser Origins must be ours too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BoundedMemo } from '../lib/bounded-memo.js';
import type { NodeStep } from './node-steps.js';
import { sendJson } from './send-json.js';

/**
 * A browser Origin is ours when it is exactly PUBLIC_URL's origin, or the very origin the request was sent to
 * (same scheme-less host and port as the Host header, on an allowed name). The port counts: another program on
 * 127.0.0.1:9999 is not us.
 */
export function originAllowed(
  origin: string,
  hostHeader: string | undefined,
  allowed: ReadonlySet<string>,
  publicOrigin: string | null,
): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (publicOrigin !== null && url.origin === publicOrigin) return true;
  if (!hostHeader || !allowed.has(url.hostname.toLowerCase())) return false;
  try {
    // Normalised the same way (default port dropped, case folded) before comparing host and port.
    return new URL(`${url.protocol}//${hostHeader}`).host === url.host;
  } catch {
    return false;
  }
}

/** A Host header's hostname, lower-cased; null when it does not parse. */
function parseHostname(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function hostGuard(allowedHosts: string[], publicUrl: string | null = null): NodeStep {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  // Parsing a Host header takes a URL; a server sees a handful of distinct ones, so each is parsed once (64 kept:
  // a client sending ever-new Host headers only ever costs a fresh parse).
  const hostnames = new BoundedMemo(64, parseHostname);
  const hostnameOf = (hostHeader: string) => hostnames.get(hostHeader);

  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const host = req.headers.host ? hostnameOf(req.headers.host) : null;
    if (!host || !allowed.has(host)) {
      sendJson(res, 403, { error: 'forbidden_host', error_description: 'Host header not allowed' });
      return;
    }
    const origin = req.headers.origin;
    // Browsers send "Origin: null" for our own form posts under Referrer-Policy: no-referrer; the Host check
    // above already stops rebinding, and the consent form checks Sec-Fetch-Site itself.
    if (
      origin !== undefined &&
      origin !== 'null' &&
      !originAllowed(origin, req.headers.host, allowed, publicOrigin)
    ) {
      sendJson(res, 403, { error: 'forbidden_origin', error_description: 'Origin not allowed' });
      return;
    }
    next();
  };
}
