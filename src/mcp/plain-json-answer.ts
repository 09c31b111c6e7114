// A per-request exchange's JSON answer handed to Node as the message itself, not as a web Response to read back.
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, PerRequestHTTPServerTransport } from '@modelcontextprotocol/server';

/** A result the SDK's per-request transport would have answered as `Response.json(message)` with status 200. */
export class PlainJsonAnswer {
  constructor(readonly message: JSONRPCMessage) {}

  /** The same bytes, status and Content-Type as that Response, written with one `end` (Node adds Content-Length). */
  writeTo(res: ServerResponse): void {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(this.message));
  }
}

/** The transport's own state the fast path reads (fields of `PerRequestHTTPServerTransport` in SDK 2.4). */
interface ExchangeState {
  _closed: boolean;
  _sse: unknown;
  _responseMode: 'auto' | 'json' | 'sse';
  _terminalDelivered: boolean;
  _requestId: unknown;
  settleResponse(response: unknown): void;
}

const STATE_FIELDS = ['_closed', '_responseMode', '_terminalDelivered', 'settleResponse'] as const;

/**
 * Makes `transport` settle its exchange with a `PlainJsonAnswer` where it would build a 200 `Response.json`: the
 * request's own result, before any stream was opened, in a mode that may answer JSON. Everything else (errors,
 * whose status the SDK maps; notifications, which open a stream; SSE answers) goes through the SDK's `send`.
 * Building the Response and reading its body stream back cost about 6% of a call's CPU at 32 clients.
 * A transport whose fields differ (another SDK version) is left as it is: the SDK's path still answers.
 */
export function answerPlainJsonOnNode(transport: PerRequestHTTPServerTransport): void {
  const state = transport as unknown as ExchangeState;
  if (!STATE_FIELDS.every((field) => field in state)) return;
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const answersRequest =
      'result' in message &&
      state._requestId !== undefined &&
      message.id === state._requestId &&
      !state._closed &&
      !state._terminalDelivered &&
      state._sse === undefined &&
      state._responseMode !== 'sse';
    if (!answersRequest) return send(message, options);
    state._terminalDelivered = true;
    state.settleResponse(new PlainJsonAnswer(message));
    // As the SDK does after settling: the exchange closes once the answer is handed over.
    queueMicrotask(() => void transport.close());
  };
}
