// The guard for the sandbox's pages that act as anyone (a token, a sign-in without password, an inbox click):
// only a browser on this machine, talking to us directly, by a loopback name.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isDirectLoopbackRequest } from '../ops/router.js';
import { isLoopbackHost } from '../providers/url.js';

/** The name in a Host header (port dropped, IPv6 brackets kept as URL gives them); empty when unreadable. */
export function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return '';
  }
}

/**
 * A loopback peer, no proxy or tunnel header (a tunnel's traffic arrives from loopback too), and a loopback Host:
 * a rebound DNS name (evil.example → 127.0.0.1) would make a hostile page same-origin with these pages.
 */
export function isLocalBrowserRequest(req: Request): boolean {
  return isDirectLoopbackRequest(req) && isLoopbackHost(hostnameOf(req.headers.host));
}

/** Middleware: on to the route for a local browser, else `refuse` answers (403, in the route's own format). */
export function localBrowserOnly(refuse: (res: Response) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (isLocalBrowserRequest(req)) next();
    else refuse(res);
  };
}
