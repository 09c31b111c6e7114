// The SDK's McpServer with three per-request costs of its HTTP entry taken out; what goes on the wire is unchanged.
import {
  McpServer,
  PerRequestHTTPServerTransport,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';
import { answerPlainJsonOnNode } from './plain-json-answer.js';

/** The key the SDK's entry scans each tool's input schema for (2026-07-28 "Schema Extension", SEP-2243). */
const PARAM_HEADER_KEY = '"x-mcp-header"';

/**
 * Measured at 32 clients (`npm run bench -- gateway --profile`), these were 8-10% of a call's CPU:
 * - the entry walks the called tool's JSON input schema for `x-mcp-header` declarations on every `tools/call`
 *   (afresh each time, 2.8%); our tools declare none, and a schema that declares none is answered here once;
 * - every exchange's close builds a "Connection closed" error with a stack trace (2.2%), though nothing it is
 *   handed to after an answer reads the stack, which would only ever show the SDK's own close path;
 * - a JSON answer became a web `Response` whose body stream the Node side read back (see plain-json-answer.ts).
 */
export class LeanMcpServer extends McpServer {
  /** Per JSON schema object the SDK built (a new one when a tool is updated), whether it declares any header. */
  readonly #declaresHeaders = new WeakMap<object, boolean>();

  constructor(...args: ConstructorParameters<typeof McpServer>) {
    super(...args);
    closeWithoutStack(this.server);
  }

  /**
   * The entry's only use of this is that scan. For a schema without declarations the scan finds nothing and the
   * entry checks no header; `undefined` (what it gets for an unknown tool) skips the walk to the same outcome.
   */
  override toolInputSchemaJson(name: string): Record<string, unknown> | undefined {
    const json = super.toolInputSchemaJson(name);
    if (json === undefined) return undefined;
    let declares = this.#declaresHeaders.get(json);
    if (declares === undefined) {
      declares = JSON.stringify(json).includes(PARAM_HEADER_KEY);
      this.#declaresHeaders.set(json, declares);
    }
    return declares ? json : undefined;
  }

  override async connect(transport: Transport): Promise<void> {
    if (transport instanceof PerRequestHTTPServerTransport) answerPlainJsonOnNode(transport);
    return super.connect(transport);
  }
}

interface ClosingProtocol {
  _onclose(): void;
}

/**
 * The SDK's close hook, run with stack capture off: its "Connection closed" error (handed to pending response
 * handlers and to the aborted request signals) would carry only the SDK's close path. Errors created by the
 * `onclose` callbacks it calls are stackless too; ours (the server pool's) and the entry's create none.
 */
function closeWithoutStack(server: Server): void {
  const protocol = server as unknown as ClosingProtocol;
  if (typeof protocol._onclose !== 'function') return;
  const close = protocol._onclose.bind(protocol);
  protocol._onclose = () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      close();
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}
