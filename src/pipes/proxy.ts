// Sends an approved call to the provider's API with the Pipes token: pooled, bounded in time and size, never redirected.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Config } from '../config.js';
import type { HttpMethod } from '../grants/types.js';
import type { Provider } from '../providers/types.js';
import { describeError, UpstreamError } from './errors.js';

export interface UpstreamRequest {
  provider: Provider;
  method: HttpMethod;
  /** Already matched to the provider by the caller; checked again here. Fragment is dropped. */
  url: URL;
  /** Sent as JSON text; `undefined` and `null` mean no body. */
  body?: unknown;
  /** Headers the assistant asked for; only ALLOWED_CALLER_HEADERS survive. */
  callerHeaders?: Record<string, string>;
  /** The provider access token from Pipes. Never logged, never in an error. */
  token: string;
}

export interface UpstreamResponse {
  status: number;
  contentType: string | null;
  /** Parsed JSON when the provider said JSON and it parses, else the text. */
  body: unknown;
  /** True when the body was cut at `maxResponseBytes`. */
  truncated: boolean;
  /** Bytes of body read (at most `maxResponseBytes`). */
  bytes: number;
  durationMs: number;
}

export interface UpstreamProxyOptions {
  /** Most sockets kept to one provider origin. Default 64. */
  connectionsPerOrigin?: number;
  /** How long an idle socket stays open for reuse. Default 30 s (the server's keep-alive hint wins when shorter). */
  keepAliveMs?: number;
}

/**
 * Request headers an assistant may set. Everything else (Authorization, Cookie, Host, hop-by-hop and
 * framing headers, provider headers such as Notion-Version) is ours to decide, so it is dropped.
 */
export const ALLOWED_CALLER_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'idempotency-key',
  'x-request-id',
]);

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const UNSAFE_HEADER_VALUE = /[\r\n\0]/;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class UpstreamProxy {
  // One keep-alive pool per provider origin; origins come from configuration, so the map stays tiny.
  private readonly pools = new Map<string, Pool>();
  private readonly origins = new Map<string, string>();
  private readonly connections: number;
  private readonly keepAliveMs: number;
  private closed = false;

  constructor(
    private readonly config: Config['upstream'],
    options: UpstreamProxyOptions = {},
  ) {
    this.connections = options.connectionsPerOrigin ?? 64;
    this.keepAliveMs = options.keepAliveMs ?? 30_000;
  }

  /**
   * Calls the provider. Answers of any status come back as an UpstreamResponse.
   * @throws UpstreamError when the call is refused before sending, redirected, too slow or fails on the wire.
   */
  async call(req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const { url, provider } = req;
    this.checkTarget(url, provider);
    const method = String(req.method).toUpperCase();
    if (!METHODS.has(method)) throw new UpstreamError('invalid_request', undefined, 'method');
    const hasBody = req.body !== undefined && req.body !== null;
    if (hasBody && method === 'GET') throw new UpstreamError('body_not_allowed');
    if (UNSAFE_HEADER_VALUE.test(req.token)) throw new UpstreamError('invalid_request', undefined, 'token');

    const headers = buildHeaders(provider, req.callerHeaders, req.token);
    const payload = hasBody ? JSON.stringify(req.body) : undefined;
    if (payload !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';

    const pool = this.pool(url.origin);
    // One deadline for the whole exchange: connecting, headers and every byte of the body. undici takes an
    // EventEmitter as its signal ('abort' aborts): lighter per call than an AbortController and its EventTarget.
    const signal = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signal.emit('abort');
    }, this.config.timeoutMs);
    try {
      const res = await pool.request({
        path: url.pathname + url.search,
        method: method as HttpMethod,
        headers,
        body: payload,
        signal,
      });
      // 304 answers a conditional request (If-None-Match is allowed); every other 3xx is a redirect.
      if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
        // Never read the Location: the target is not ours to reveal or follow.
        discard(res.body);
        throw new UpstreamError('redirect_refused', res.statusCode);
      }
      const contentType = headerValue(res.headers['content-type']);
      const { text, bytes, truncated } = await readCapped(res.body, this.config.maxResponseBytes);
      return {
        status: res.statusCode,
        contentType,
        body: parseBody(text, contentType),
        truncated,
        bytes,
        durationMs: performance.now() - started,
      };
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw toUpstreamError(error, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every pooled connection; calls after this fail as unreachable. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private checkTarget(url: URL, provider: Provider): void {
    if (url.protocol !== 'https:') {
      const loopbackHttp =
        url.protocol === 'http:' && this.config.allowLoopbackHttp && isLoopback(url.hostname);
      if (!loopbackHttp) throw new UpstreamError('insecure_scheme');
    }
    // Defence in depth: the tool already matched the URL to this provider, but the token must never
    // leave for another origin whatever a caller does.
    if (url.origin !== this.normalisedOrigin(provider.origin)) throw new UpstreamError('origin_mismatch');
  }

  private normalisedOrigin(origin: string): string {
    let normalised = this.origins.get(origin);
    if (normalised === undefined) {
      normalised = new URL(origin).origin;
      this.origins.set(origin, normalised);
    }
    return normalised;
  }

  private pool(origin: string): Pool {
    if (this.closed) throw new UpstreamError('unreachable', undefined, 'proxy closed');
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: this.keepAliveMs,
        keepAliveMaxTimeout: Math.max(this.keepAliveMs, 60_000),
        // Backstops only: the per-call deadline above is what callers see.
        headersTimeout: this.config.timeoutMs + 1_000,
        bodyTimeout: this.config.timeoutMs + 1_000,
        connect: { timeout: Math.min(this.config.timeoutMs, 10_000) },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/** Allowed caller headers, then the provider's (they win), then our Authorization (it wins over all). */
function buildHeaders(
  provider: Provider,
  callerHeaders: Record<string, string> | undefined,
  token: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (callerHeaders) {
    for (const name of Object.keys(callerHeaders)) {
      const lower = name.toLowerCase();
      const value = callerHeaders[name];
      if (
        ALLOWED_CALLER_HEADERS.has(lower) &&
        typeof value === 'string' &&
        !UNSAFE_HEADER_VALUE.test(value)
      ) {
        headers[lower] = value;
      }
    }
  }
  const own = provider.headers();
  for (const name of Object.keys(own)) headers[name.toLowerCase()] = own[name]!;
  headers.authorization = `Bearer ${token}`;
  return headers;
}

async function readCapped(
  body: AsyncIterable<Buffer> & Discardable,
  max: number,
): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of body) {
    const room = max - bytes;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      bytes = max;
      truncated = true;
      // Stop the download: the rest of a huge answer is never buffered.
      discard(body);
      break;
    }
    chunks.push(chunk);
    bytes += chunk.length;
  }
  const text =
    chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, bytes).toString('utf8');
  return { text, bytes, truncated };
}

type Discardable = { destroy(): void; on(event: 'error', listener: () => void): unknown };

/** Drops a response body mid-flight; undici then reports an abort we caused ourselves, so it is swallowed. */
function discard(body: Discardable): void {
  body.on('error', () => {});
  body.destroy();
}

function parseBody(text: string, contentType: string | null): unknown {
  if (contentType === null || !JSON_TYPE.test(contentType) || text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    // Truncated or malformed JSON: the text is still useful to the assistant.
    return text;
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function toUpstreamError(error: unknown, timedOut: boolean): UpstreamError {
  const code = (error as { code?: unknown } | null)?.code;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamError('timeout');
  }
  if (code === 'UND_ERR_INVALID_ARG')
    return new UpstreamError('invalid_request', undefined, describeError(error));
  if (typeof code === 'string' && NETWORK_CODES.has(code))
    return new UpstreamError('unreachable', undefined, code);
  return new UpstreamError('unreachable', undefined, describeError(error));
}
