// Serves a web-standard fetch handler (the MCP SDK's) on Node's request and response: a Request in, a Response out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { RequestView } from './request-view.js';

/** Node's request with what the steps before the handler put on it; `originalUrl` when express routed it. */
export type BridgedRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/**
 * The parts of Node's request the fetch handler needs. A body the JSON step parsed travels as `parsedBody`,
 * so the SDK gets a light bodyless view; without one (not JSON) it gets a real bodyless Request, which it reads
 * (empty) and answers as a real one deserves.
 */
export function toWebRequest(req: BridgedRequest, signal: AbortSignal): Request {
  // As express's req.protocol with 'trust proxy' off (ours): the socket's own scheme, X-Forwarded-Proto ignored.
  const url = () =>
    `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.originalUrl ?? req.url}`;
  if (req.body !== undefined) {
    return new RequestView({ method: req.method ?? 'POST', headers: req.headers, url }, signal).asRequest();
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // A bodyless Request keeps the SDK from reading the (already drained) stream.
  headers.delete('content-length');
  return new Request(url(), { method: req.method ?? 'POST', headers, signal });
}

/**
 * Copies status and headers, then the body: an SSE answer is streamed frame by frame; any other answer is read
 * whole and sent with one `end` (one write, a Content-Length instead of chunked framing).
 */
export async function sendWebResponse(web: Response, res: ServerResponse): Promise<void> {
  res.statusCode = web.status;
  web.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (!web.body) {
    res.end();
    return;
  }
  const reader = web.body.getReader();
  try {
    if (!web.headers.get('content-type')?.startsWith('text/event-stream')) {
      // Read whole, then one end. A reader rather than arrayBuffer(): the cheaper read of a body already whole.
      const parts: Uint8Array[] = [];
      for (let read = await reader.read(); !read.done; read = await reader.read()) parts.push(read.value);
      res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      return;
    }
    res.flushHeaders();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) res.write(read.value);
    } finally {
      res.end();
    }
  } finally {
    reader.releaseLock();
  }
}
