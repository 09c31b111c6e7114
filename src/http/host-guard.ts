// DNS-rebinding protection: only configured Host names are served, and browser Origins must be ours too.
import type { NextFunction, Request, Response } from 'express';

export function hostGuard(allowedHosts: string[]) {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const hostnameOf = (hostHeader: string): string | null => {
    try {
      return new URL(`http://${hostHeader}`).hostname.toLowerCase();
    } catch {
      return null;
    }
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const host = req.headers.host ? hostnameOf(req.headers.host) : null;
    if (!host || !allowed.has(host)) {
      res.status(403).json({ error: 'forbidden_host', error_description: 'Host header not allowed' });
      return;
    }
    const origin = req.headers.origin;
    // Browsers send "Origin: null" for our own form posts under Referrer-Policy: no-referrer; the Host check
    // above already stops rebinding, and the consent form checks Sec-Fetch-Site itself.
    if (origin !== undefined && origin !== 'null') {
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).hostname.toLowerCase();
      } catch {
        originHost = null;
      }
      if (!originHost || !allowed.has(originHost)) {
        res.status(403).json({ error: 'forbidden_origin', error_description: 'Origin not allowed' });
        return;
      }
    }
    next();
  };
}
