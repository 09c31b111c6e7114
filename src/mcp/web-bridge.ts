// Serves a web-standard fetch handler (the MCP SDK's) from express: request in as a Request, Response piped back out.
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';

/** The parts of an express request the fetch handler needs; the body is already parsed (express.json). */
export function toWebRequest(req: ExpressRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // The body travels as `parsedBody`; a bodyless Request keeps the SDK from reading the stream twice.
  headers.delete('content-length');
  const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
  return new Request(url, { method: req.method, headers, signal });
}

/** Copies status and headers, then streams the body: an SSE answer reaches the client frame by frame. */
export async function sendWebResponse(web: Response, res: ExpressResponse): Promise<void> {
  res.status(web.status);
  web.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (!web.body) {
    res.end();
    return;
  }
  const streaming = web.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  if (streaming) res.flushHeaders();
  const reader = web.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } finally {
    reader.releaseLock();
    res.end();
  }
}
