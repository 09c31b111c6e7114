// The bench's load generator for tool calls: it replays, byte for byte but for the JSON-RPC id, the request an SDK
// client sent for one real call (headers, the 2026-07-28 envelope in `_meta`, the arguments), over an undici Pool
// as the bare ceiling's load does. The server sees exactly what assistants send; the bench process no longer
// spends the SDK client's own validation and fetch machinery per call, which on a 2-core machine competed with
// the server it measures (and was not the same load generator as the ceiling's).
import type { FetchLike } from '@modelcontextprotocol/client';
import { Pool } from 'undici';
import { scopedSignalFetch } from './mcp-client.js';

export interface RecordedToolCall {
  url: string;
  headers: Record<string, string>;
  body: { jsonrpc: '2.0'; id: number | string; method: 'tools/call'; params: unknown };
}

/** A fetch for an SDK client's transport that keeps the latest `tools/call` request it sent. */
export function toolCallRecorder(): { fetch: FetchLike; latest(): RecordedToolCall | null } {
  let latest: RecordedToolCall | null = null;
  const fetch: FetchLike = (url, init) => {
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const body = JSON.parse(init.body) as RecordedToolCall['body'];
      if (body.method === 'tools/call') {
        const headers: Record<string, string> = {};
        new Headers(init.headers).forEach((value, name) => {
          headers[name] = value;
        });
        latest = { url: String(url), headers, body };
      }
    }
    return scopedSignalFetch(url, init);
  };
  return { fetch, latest: () => latest };
}

/** The answer a tool call got: its JSON-RPC result, from a JSON body or the last SSE `data:` frame. */
export function toolResultOf(contentType: string, text: string): { isError?: boolean } | null {
  let json = text;
  if (contentType.startsWith('text/event-stream')) {
    const frames = text.split('\n').filter((line) => line.startsWith('data:'));
    json = frames.at(-1)?.slice(5) ?? '';
  }
  try {
    const message = JSON.parse(json) as { result?: { isError?: boolean } };
    return message.result ?? null;
  } catch {
    return null;
  }
}

/** Replays recorded tool calls over one pool per server; a call throws unless the tool answered without error. */
export class WireCallers {
  private readonly pools = new Map<string, Pool>();
  private nextId = 1_000_000;

  caller(recorded: RecordedToolCall): () => Promise<void> {
    const url = new URL(recorded.url);
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, { connections: 64, keepAliveTimeout: 30_000 });
      this.pools.set(url.origin, pool);
    }
    const target = pool;
    const path = `${url.pathname}${url.search}`;
    const { headers } = recorded;
    return async () => {
      const body = JSON.stringify({ ...recorded.body, id: this.nextId++ });
      const res = await target.request({ path, method: 'POST', headers, body });
      const text = await res.body.text();
      const result = toolResultOf(String(res.headers['content-type'] ?? ''), text);
      if (res.statusCode !== 200 || !result || result.isError)
        throw new Error(`tool call answered ${res.statusCode}: ${text.slice(0, 200)}`);
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
