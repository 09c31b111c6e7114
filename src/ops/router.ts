// Operations endpoints: /healthz (alive), /readyz (every readiness check passes; JSON naming each), /metrics
// (Prometheus, loopback only). Mounted ahead of the DNS-rebinding host guard so probes and scrapers that address the process
// by IP (127.0.0.1:PORT, a pod IP) are served; a rebinding page can only ever send its own host name.
import { isIP } from 'node:net';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { originAllowed } from '../http/host-guard.js';
import { registry } from './metrics.js';
import { type ReadinessCheck, runReadiness } from './readiness.js';

export interface OpsDeps {
  /** The configured Host names (ALLOWED_HOSTS or its default). */
  allowedHosts: string[];
  /** PUBLIC_URL: a browser Origin must be exactly this origin, or the origin the request was sent to. */
  publicUrl?: string;
  /** What /readyz runs (see src/ops/ready-checks.ts); it is ready when none is down. */
  checks: ReadinessCheck[];
  /** How long each check has before /readyz calls it down (default 1000 ms). */
  checkTimeoutMs?: number;
}

export function createOpsRouter(deps: OpsDeps): Router {
  const router = Router();
  const guard = opsHostGuard(deps.allowedHosts, deps.publicUrl);
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };

  router.get('/healthz', guard, noStore, (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', guard, noStore, async (_req, res) => {
    const { details, ...report } = await runReadiness(deps.checks, deps.checkTimeoutMs ?? 1000);
    res
      .status(report.status === 'ok' ? 200 : 503)
      .json(Object.keys(details).length > 0 ? { ...report, details } : report);
  });

  router.get('/metrics', guard, noStore, loopbackOnly, async (_req, res, next) => {
    try {
      const text = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** Headers a proxy adds: a proxied request comes from loopback but is not local, so it is refused. */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'true-client-ip',
  'fastly-client-ip',
  'via',
];

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/** /metrics only for scrapers on this host (or in this pod): never through a proxy, never from the network. */
/** From a process on this host, directly: a loopback peer and no proxy header (a tunnel's traffic is loopback too). */
export function isDirectLoopbackRequest(req: Request): boolean {
  const proxied = FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined);
  return isLoopbackAddress(req.socket.remoteAddress) && !proxied;
}

export function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  if (isDirectLoopbackRequest(req)) {
    next();
    return;
  }
  res
    .status(403)
    .json({ error: 'forbidden', error_description: 'Metrics are served to loopback clients only' });
}

/**
 * The host guard for these endpoints: the configured names, `localhost`, or any IP literal (a rebinding
 * attack always carries its own host name, never an IP). Browsers' cross-site requests are refused.
 */
export function opsHostGuard(allowedHosts: string[], publicUrl?: string) {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  const hostnameOf = (text: string): string | null => {
    try {
      return new URL(text.includes('://') ? text : `http://${text}`).hostname.toLowerCase();
    } catch {
      return null;
    }
  };
  const acceptable = (hostname: string | null) =>
    hostname !== null &&
    (allowed.has(hostname) || hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0);

  return (req: Request, res: Response, next: NextFunction) => {
    const host = req.headers.host ? hostnameOf(req.headers.host) : null;
    if (!acceptable(host)) {
      res.status(403).json({ error: 'forbidden_host', error_description: 'Host header not allowed' });
      return;
    }
    const origin = req.headers.origin;
    if (
      origin !== undefined &&
      origin !== 'null' &&
      !originAllowed(origin, req.headers.host, allowed, publicOrigin)
    ) {
      res.status(403).json({ error: 'forbidden_origin', error_description: 'Origin not allowed' });
      return;
    }
    next();
  };
}
