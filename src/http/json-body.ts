// express.json for /mcp with a short road for what MCP clients send (a plain `application/json` body with its
// length declared), and express.json itself for everything else: same limit, same 400/413 answers.
import type { IncomingMessage } from 'node:http';
import express from 'express';
import type { NodeStep } from './node-steps.js';

export interface JsonBodyOptions {
  /** Largest body accepted, in bytes; larger ones are answered 413 (by express.json, as before). */
  limit: number;
}

/** JSON whitespace, as body-parser's strict mode skips it before demanding `{` or `[`. */
const LEADING_JSON_WHITESPACE = /^[ \t\n\r]*/;
const DIGITS = /^\d+$/;

/**
 * Parses the request body into `req.body` as `express.json({ limit, strict: true })` does. The short road reads
 * the bytes itself and skips body-parser's per-request setup (content-type parsing, charset lookup, raw-body's
 * bookkeeping); any request it is not sure about (another media type or a charset, a content-encoding, chunked
 * transfer, a declared length over the limit, a stream already read) goes to express.json unchanged.
 */
export function jsonBody(options: JsonBodyOptions): NodeStep<IncomingMessage & { body?: unknown }> {
  // body-parser reads only Node's request (headers and stream): it runs on a request express never saw.
  const fallback = express.json({ limit: options.limit }) as unknown as NodeStep;
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    const plain =
      req.headers['content-type'] === 'application/json' &&
      req.headers['content-encoding'] === undefined &&
      req.headers['transfer-encoding'] === undefined &&
      declared !== undefined &&
      DIGITS.test(declared) &&
      Number(declared) <= options.limit &&
      req.socket?.readable === true &&
      !(req.complete && !req.readable);
    if (!plain) {
      fallback(req, res, next);
      return;
    }
    const chunks: Buffer[] = [];
    let settled = false;
    const fail = (message: string, type: string) => {
      if (settled) return;
      settled = true;
      next(Object.assign(new Error(message), { status: 400, statusCode: 400, expose: true, type }));
    };
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    req.once('error', () => fail('request aborted', 'request.aborted'));
    req.once('close', () => {
      if (!req.complete) fail('request aborted', 'request.aborted');
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      let parsed: unknown;
      try {
        parsed = parseStrict(decodeUtf8(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      } catch (error) {
        next(
          Object.assign(error as Error, {
            status: 400,
            statusCode: 400,
            expose: true,
            type: 'entity.parse.failed',
          }),
        );
        return;
      }
      req.body = parsed;
      next();
    });
  };
}

/** UTF-8 without a leading byte-order mark, as body-parser's decoder (iconv-lite) strips it. */
export function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** body-parser's strict JSON: an empty body is `{}`; anything but an object or array is a syntax error. */
export function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  const first = text[0] === '{' || text[0] === '[' ? text[0] : text.replace(LEADING_JSON_WHITESPACE, '')[0];
  if (first !== '{' && first !== '[')
    throw new SyntaxError('Unexpected token in JSON: not an object or array');
  return JSON.parse(text);
}
