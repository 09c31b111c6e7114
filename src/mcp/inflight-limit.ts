// Bounds on the MCP requests one instance takes. Held at all (long polls included): beyond MAX_INFLIGHT_REQUESTS a
// request gets 503 with Retry-After at once, before any work, instead of piling up in memory behind a slow
// dependency. Worked on at once: beyond MAX_ACTIVE_REQUESTS a request waits its turn at the work gate
// (src/mcp/work-gate.ts), and gets the same 503 if its turn does not come within MAX_QUEUE_WAIT.
import type { ServerResponse } from 'node:http';
import type { NodeStep } from '../http/node-steps.js';
import { sendJson } from '../http/send-json.js';
import { RETRY_AFTER_SECONDS } from '../lib/unavailable.js';
import { mcpInflight, mcpQueued, mcpRejected } from '../ops/metrics.js';
import type { Admission, WorkGate } from './work-gate.js';

export function inflightLimit(max: number): NodeStep {
  let inflight = 0;
  return (_req, res, next) => {
    if (inflight >= max) {
      mcpRejected.inc({ reason: 'overloaded' });
      busy(res);
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

/** Each response's admission at the gate, for the handler to bind and release (see `admissionOf`). */
const admissions = new WeakMap<ServerResponse, Admission>();

/** Admits each request through the gate; its place is released when the response closes, however it ends. */
export function workGate(gate: WorkGate): NodeStep {
  return (_req, res, next) => {
    let queued = false;
    const admission = gate.enter(
      (admitted) => {
        // Set before the handlers run: a request admitted at once runs them before `enter` returns.
        admissions.set(res, admitted);
        if (queued) mcpQueued.dec();
        next();
      },
      () => {
        mcpQueued.dec();
        mcpRejected.inc({ reason: 'queue_wait' });
        busy(res);
      },
    );
    if (admission.state === 'queued') {
      queued = true;
      mcpQueued.inc();
    }
    res.once('close', () => {
      if (admission.state === 'queued') mcpQueued.dec();
      gate.release(admission);
    });
  };
}

/** The admission `workGate` gave this response, if any. */
export function admissionOf(res: ServerResponse): Admission | undefined {
  return admissions.get(res);
}

function busy(res: ServerResponse): void {
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  sendJson(res, 503, {
    jsonrpc: '2.0',
    error: { code: -32000, message: `Server busy; retry in ${RETRY_AFTER_SECONDS} seconds` },
    id: null,
  });
}
