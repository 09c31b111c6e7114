// Bounds the MCP requests one instance holds at a time (long polls included): beyond the cap a request gets
// 503 with Retry-After at once, before any work, instead of piling up in memory behind a slow dependency.
import type { RequestHandler } from 'express';
import { RETRY_AFTER_SECONDS } from '../lib/unavailable.js';
import { mcpInflight, mcpRejected } from '../ops/metrics.js';

export function inflightLimit(max: number): RequestHandler {
  let inflight = 0;
  return (_req, res, next) => {
    if (inflight >= max) {
      mcpRejected.inc({ reason: 'overloaded' });
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(503).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: `Server busy; retry in ${RETRY_AFTER_SECONDS} seconds` },
        id: null,
      });
      return;
    }
    inflight++;
    mcpInflight.inc();
    // 'close' fires once per response: after it was sent, or when the client went away before that.
    res.once('close', () => {
      inflight--;
      mcpInflight.dec();
    });
    next();
  };
}
