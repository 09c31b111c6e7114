// A bodyless web `Request` read straight off an express request: what the MCP SDK and our tools read of a request
// (method, headers.get, signal), without building a `Headers` (webidl checks per header) and a `Request` (URL
// parsing) for every call. Anything rarer is computed on demand, and `clone()` hands out a real `Request`.
import type { IncomingHttpHeaders } from 'node:http';

/** The read side of `Headers` over node's already-validated, lower-cased header object. */
export class HeadersView {
  readonly #headers: IncomingHttpHeaders;

  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers;
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    // The body travels parsed, so the length of the bytes we no longer carry is not ours to announce.
    if (key === 'content-length') return null;
    const value = this.#headers[key];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  getSetCookie(): string[] {
    const value = this.#headers['set-cookie'];
    return value === undefined ? [] : [...value];
  }

  /** Sorted by name, set-cookie values one by one, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = Object.keys(this.#headers)
      .filter((name) => name !== 'content-length' && this.#headers[name] !== undefined)
      .sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const cookie of this.getSetCookie()) yield [name, cookie];
      else yield [name, this.get(name) as string];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, key: string, parent: HeadersView) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  append(): never {
    throw new TypeError('immutable');
  }
  delete(): never {
    throw new TypeError('immutable');
  }
  set(): never {
    throw new TypeError('immutable');
  }
}

/** What a request view is built from: node's method and headers, and where the request was sent. */
export interface RequestSource {
  method: string;
  headers: IncomingHttpHeaders;
  /** Absolute URL as the client addressed it, e.g. `http://localhost:3000/mcp`; asked only when read. */
  url(): string;
}

/**
 * Stands in for `new Request(url, { method, headers, signal })` without a body: the body was parsed upstream and
 * reaches the SDK as `parsedBody`. Typed as `Request` for the SDK's signatures; `clone()` returns a real one.
 */
export class RequestView {
  readonly method: string;
  readonly headers: HeadersView;
  readonly signal: AbortSignal;
  readonly body = null;
  readonly bodyUsed = false;
  readonly #source: RequestSource;
  #url: string | undefined;
  #real: Request | undefined;

  constructor(source: RequestSource, signal: AbortSignal) {
    this.#source = source;
    this.method = source.method;
    this.headers = new HeadersView(source.headers);
    this.signal = signal;
  }

  /** Normalised as `Request` normalises it (lower-case host, default port dropped). */
  get url(): string {
    this.#url ??= new URL(this.#source.url()).href;
    return this.#url;
  }

  clone(): Request {
    return new Request(this.url, {
      method: this.method,
      headers: [...this.headers.entries()],
      signal: this.signal,
    });
  }

  asRequest(): Request {
    return this as unknown as Request;
  }

  /** The real Request this view stands for, built the first time a rarely read member is asked for. */
  real(): Request {
    this.#real ??= this.clone();
    return this.#real;
  }
}

/**
 * Every other member of a Request (mode, cache, referrer…, and the body readers, which on a bodyless request
 * answer empty) is read from the real one, so whatever a tool reads off `ctx.http.req` is what a Request says.
 */
const DELEGATED_PROPERTIES = [
  'destination',
  'referrer',
  'referrerPolicy',
  'mode',
  'credentials',
  'cache',
  'redirect',
  'integrity',
  'keepalive',
  'isReloadNavigation',
  'isHistoryNavigation',
  'duplex',
] as const;
const DELEGATED_METHODS = ['blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes'] as const;
for (const name of DELEGATED_PROPERTIES) {
  Object.defineProperty(RequestView.prototype, name, {
    get(this: RequestView) {
      return (this.real() as unknown as Record<string, unknown>)[name];
    },
  });
}
for (const name of DELEGATED_METHODS) {
  Object.defineProperty(RequestView.prototype, name, {
    value(this: RequestView) {
      return (this.real() as unknown as Record<string, () => unknown>)[name]?.();
    },
  });
}
