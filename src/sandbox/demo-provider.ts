// Minimal Linear, Notion and Snowflake APIs on loopback that accept only tokens the WorkOS stand-in issued.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DemoProviderId,
  type Handler,
  linear,
  notion,
  send,
  snowflake,
  UNAUTHORIZED,
} from './demo-apis.js';

export type { DemoProviderId } from './demo-apis.js';

export interface DemoCall {
  provider: DemoProviderId;
  method: string;
  /** Path with query string, as received. */
  path: string;
  authorization?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface DemoProviderOptions {
  /** Default 127.0.0.1; every listener takes a free port. */
  host?: string;
  /** Which provider and user a bearer token belongs to; null when the token is unknown or revoked. */
  tokenCheck: (bearer: string) => { provider: string; userId: string } | null;
  /** Where `/v1/pages/redirect` points. Default a host on the reserved `.invalid` domain. */
  redirectTo?: string;
  /** How long `/v1/pages/slow` waits. Default 3 s. */
  slowMs?: number;
}

export interface DemoProvider {
  linearUrl: string;
  notionUrl: string;
  snowflakeUrl: string;
  calls(): DemoCall[];
  resetCalls(): void;
  close(): Promise<void>;
}

const BIG_BYTES = 3 * 1024 * 1024;
const CALL_LIMIT = 100_000;

export async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const host = options.host ?? '127.0.0.1';
  const log: DemoCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let bigBody: Buffer | undefined;
  const big = () => {
    // Built once on first use: 3 MiB of valid JSON.
    if (!bigBody) {
      const head = '{"object":"page","id":"big","padding":"';
      const tail = '"}';
      bigBody = Buffer.from(head + 'x'.repeat(BIG_BYTES - head.length - tail.length) + tail);
    }
    return bigBody;
  };

  const listen = async (provider: DemoProviderId, handler: Handler): Promise<Server> => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const body = chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
        const authorization = req.headers.authorization;
        if (log.length >= CALL_LIMIT) log.splice(0, CALL_LIMIT / 2);
        log.push({ provider, method: req.method ?? 'GET', path, authorization, headers: req.headers, body });
        const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
        const who = bearer ? options.tokenCheck(bearer) : null;
        if (!who || who.provider !== provider) return send(res, 401, UNAUTHORIZED[provider]);
        handler(req, res, path, body, who);
      });
    });
    // Longer than the proxy's idle timeout, so the client always closes first and never hits a dying socket.
    server.keepAliveTimeout = 65_000;
    server.listen(0, host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return server;
  };

  const servers = await Promise.all([
    listen('linear', linear),
    listen(
      'notion',
      notion(
        options.redirectTo ?? 'https://elsewhere.invalid/v1/pages/landing',
        options.slowMs ?? 3_000,
        timers,
        big,
      ),
    ),
    listen('snowflake', snowflake),
  ]);
  const urlOf = (server: Server) => {
    const { port } = server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  };

  return {
    linearUrl: urlOf(servers[0]),
    notionUrl: urlOf(servers[1]),
    snowflakeUrl: urlOf(servers[2]),
    calls: () => [...log],
    resetCalls: () => {
      log.length = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
