// A JSON answer written on Node's own response: what express's res.status(n).json(body) sends, minus the ETag.
import type { ServerResponse } from 'node:http';

/** Status, `application/json; charset=utf-8`, a Content-Length, and the body in one `end`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
