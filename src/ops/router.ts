// Operations endpoints: /healthz (alive), /readyz (Redis answers and Slack was reachable), /metrics (Prometheus,
// loopback only). Mounted ahead of the DNS-rebinding host guard so probes and scrapers that address the process
// by IP (127.0.0.1:PORT, a pod IP) are served; a rebinding page can only ever send its own host name.
import { isIP } from 'node:net';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { ClusterHealth } from './cluster-health.js';
import { registry } from './metrics.js';
import { slackReachability } from './slack-health.js';

export interface OpsDeps {
  /** The configured Host names (ALLOWED_HOSTS or its default). */
  allowedHosts: string[];
  redis: { ping(): Promise<unknown> };
  /** When Slack is set up, /readyz also needs it to have been reachable lately. */
  slackConfigured: boolean;
  /** How long Redis has to answer PING before /readyz calls it down. */
  redisTimeoutMs?: number;
  /** On a Redis Cluster: cluster_state, slot coverage and masters (src/ops/cluster-health.ts). */
  redisCluster?: () => Promise<ClusterHealth>;
}

export function createOpsRouter(deps: OpsDeps): Router {
  const router = Router();
  const guard = opsHostGuard(deps.allowedHosts);
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };

  router.get('/healthz', guard, noStore, (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', guard, noStore, async (_req, res) => {
    const [pinged, cluster] = await Promise.all([
      answersWithin(deps.redis.ping(), deps.redisTimeoutMs ?? 1000),
      deps.redisCluster?.(),
    ]);
    const redis = pinged && cluster?.state !== 'down' ? 'up' : 'down';
    const slack = deps.slackConfigured ? slackReachability().state : 'not_configured';
    const down = [...(redis === 'down' ? ['redis'] : []), ...(slack === 'down' ? ['slack'] : [])];
    res.status(down.length === 0 ? 200 : 503).json({
      status: down.length === 0 ? 'ok' : 'unavailable',
      checks: { redis, slack, ...(cluster ? { redisCluster: cluster.state } : {}) },
      ...(cluster?.state === 'down' ? { redisCluster: cluster.reason } : {}),
      down,
    });
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
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/** /metrics only for scrapers on this host (or in this pod): never through a proxy, never from the network. */
export function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  const proxied = FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined);
  if (isLoopbackAddress(req.socket.remoteAddress) && !proxied) {
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
export function opsHostGuard(allowedHosts: string[]) {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
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
    if (origin !== undefined && origin !== 'null' && !allowed.has(hostnameOf(origin) ?? '')) {
      res.status(403).json({ error: 'forbidden_origin', error_description: 'Origin not allowed' });
      return;
    }
    next();
  };
}

async function answersWithin(probe: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([probe.then(() => true).catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
