// SDK (v2) clients for the bench: the stock Streamable HTTP transport on global fetch, with one abort signal per request.
import { Client, type FetchLike, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/**
 * The SDK hands the transport's one AbortSignal to every fetch, and Node's fetch only removes its abort
 * listener when the request object is garbage-collected: a client making thousands of calls piles up
 * thousands of listeners (MaxListenersExceededWarning, and each add walks the list). A per-request signal,
 * linked to the transport's and unlinked once the response headers arrive, keeps the client's cost flat.
 */
export const scopedSignalFetch: FetchLike = async (url, init) => {
  const outer = init?.signal;
  if (!outer) return fetch(url, init);
  const inner = new AbortController();
  const abort = () => inner.abort(outer.reason);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  try {
    return await fetch(url, { ...init, signal: inner.signal });
  } finally {
    outer.removeEventListener('abort', abort);
  }
};

/**
 * Negotiates like a current client (server/discover first), so the bench measures the 2026-07-28 path; with
 * BENCH_REVISION=2025-11-25 (or 2025-06-18) every bench client speaks that revision instead (initialize, no
 * per-request envelope), to measure what older clients cost.
 */
export async function connectBenchClient(
  baseUrl: string,
  token: string,
  name: string,
  fetch: FetchLike = scopedSignalFetch,
): Promise<Client> {
  const revision = process.env.BENCH_REVISION;
  const legacy = revision !== undefined && revision !== '2026-07-28';
  const client = new Client(
    { name, version: '1.0.0' },
    {
      versionNegotiation: { mode: legacy ? 'legacy' : 'auto' },
      ...(legacy ? { supportedProtocolVersions: [revision] } : {}),
    },
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch,
  });
  await client.connect(transport);
  return client;
}
