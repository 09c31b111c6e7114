// Builds the WorkOS SDK client from configuration, pointing it at the real API or a local stand-in.
import { WorkOS } from '@workos-inc/node';
import type { Config } from '../config.js';

/**
 * The SDK takes a hostname, an https flag and a port rather than a URL, and resolves every path against
 * the origin only, so a path in `apiUrl` would be ignored: we refuse it instead of silently dropping it.
 */
export function createWorkos(config: Config['workos']): WorkOS {
  const url = new URL(config.apiUrl);
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`WORKOS_API_URL must be an origin without a path, got "${url.origin}${url.pathname}"`);
  }
  const https = url.protocol === 'https:';
  return new WorkOS({
    apiKey: config.apiKey,
    clientId: config.clientId,
    // URL keeps IPv6 brackets in `hostname`, which is what the SDK needs to build `http://[::1]:port`.
    apiHostname: url.hostname,
    https,
    ...(url.port ? { port: Number(url.port) } : {}),
  });
}
