// What every tool gets (its dependencies) and how tool results and failures are shaped for the model.
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import type { WorkOS } from '@workos-inc/node';
import type { AuditSink } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { GrantStore } from '../grants/store-api.js';
import { GrantInputError } from '../grants/transitions.js';
import type { Grant } from '../grants/types.js';
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../lib/unavailable.js';
import { countToolCall, type ToolOutcome } from '../ops/metrics.js';
import type { UpstreamProxy } from '../pipes/proxy.js';
import type { PipesTokens } from '../pipes/tokens.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { PostedWatch } from '../slack/posted-notices.js';
import type { ConsentAudience } from './consent-wording.js';
import type { SlackDelivery } from './grant-view.js';
import type { LongPollCap } from './long-poll-cap.js';
import type { PendingCap } from './pending-cap.js';
import type { ParkOptions, WorkGate } from './work-gate.js';

export interface ToolDeps {
  config: Config;
  store: GrantStore;
  registry: ProviderRegistry;
  tokens: PipesTokens;
  proxy: UpstreamProxy;
  workos: WorkOS;
  audit: AuditSink;
  logger: Logger;
  /** Link to the web consent page for a pending grant. */
  approvalUrl(grant: Grant): Promise<string>;
  /** False when the user has made more than `perMinute` (default REQUESTS_PER_MINUTE) requests this minute. */
  allowRequest(userId: string, perMinute?: number): Promise<boolean>;
  /** The policy's maxPending per requester, atomic in Redis; absent = no cap enforced. */
  pendingCap?: PendingCap;
  /** Slack identity and user groups of a requester, for the policy's requester matchers; absent without Slack. */
  people?: PeopleLookup;
  /** Where the grant's Slack message stands; absent when Slack is not set up. */
  slackDelivery?(grantId: string): Promise<SlackDelivery>;
  /** Learns where the grant's Slack message goes once it is posted, until stopped. Absent without Slack. */
  watchDelivery?(grantId: string): PostedWatch;
  /**
   * Names who will approve a grant and where (`posted`: its Slack message's channel, null before it is posted),
   * for the consent message; bounded in time, it answers with what it knows. Absent without Slack.
   */
  consentAudience?(grant: Grant, posted: string | null): Promise<ConsentAudience>;
  /** Called after each upstream call made under a grant (the approved message shows its usage). */
  grantUsed?(grantId: string): void;
  /** Bounds the check_access_request calls one person holds open at once; absent: no bound. */
  longPolls?: LongPollCap;
  /** Bounds the requests worked on at once; a long poll gives its place up while it waits. Absent: no bound. */
  gate?: WorkGate;
  /** Aborted when the server shuts down: long polls answer at once instead of being cut. */
  shutdown?: AbortSignal;
  now(): number;
}

export type RegisterTool = (server: McpServer, deps: ToolDeps) => void;

/**
 * Waits on something outside Countersign (a person's decision, a provider's or WorkOS's answer) without holding
 * a turn at the work gate: the turn goes to the next request meanwhile and comes back, ahead of the line, with the
 * answer (at once with `urgent`: a person's decision). A provider taking 300 ms must not keep an instance's few
 * turns idle.
 */
export function awayFromGate<T>(
  deps: Pick<ToolDeps, 'gate'>,
  ctx: { http?: { req?: object } },
  waiting: () => Promise<T>,
  options?: ParkOptions,
): Promise<T> {
  return deps.gate ? deps.gate.parked(ctx.http?.req, waiting, options) : waiting();
}

/** A wait on something outside, bound to one request: see `awayFromGate`. */
export type Away = <T>(waiting: () => Promise<T>) => Promise<T>;

/** `awayFromGate` bound to the request `ctx` belongs to, to hand down to helpers that wait on outside services. */
export function awayOf(deps: Pick<ToolDeps, 'gate'>, ctx: { http?: { req?: object } }): Away {
  return (waiting) => awayFromGate(deps, ctx, waiting);
}

/** A failure the model may see verbatim: a code plus a safe, actionable message. */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly structured?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function textResult(text: string, structuredContent: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

export function errorResult(
  code: string,
  message: string,
  structured?: Record<string, unknown>,
): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `Error (${code}): ${message}` }],
    ...(structured ? { structuredContent: { error: code, ...structured } } : {}),
  };
}

/**
 * Redis could not answer in time: a retryable tool error, not a transport error. Inside a tools/call the model
 * is the one who can wait and retry, and it only sees tool results: hosts show an HTTP 503 or a JSON-RPC error
 * as a broken tool, often without its Retry-After. `retryAfterSeconds` carries the hint for programs.
 */
export function unavailableResult(): CallToolResult {
  return errorResult('unavailable', UNAVAILABLE_MESSAGE, {
    retryable: true,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

/**
 * Wraps a tool handler so that coded errors become readable `isError` results, a Redis blip a retryable
 * `unavailable`, and anything unexpected a generic message with a reference: no stack trace or secret ever
 * reaches the model.
 */
export function guarded<A extends unknown[]>(
  deps: Pick<ToolDeps, 'logger'>,
  tool: string,
  handler: (...args: A) => Promise<CallToolResult>,
): (...args: A) => Promise<CallToolResult> {
  return async (...args: A) => {
    const started = performance.now();
    let outcome: ToolOutcome = 'error';
    try {
      const result = await handler(...args);
      if (!result.isError) outcome = 'ok';
      return result;
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error.code, error.message, error.structured);
      if (isUnavailable(error)) {
        outcome = 'unavailable';
        deps.logger.warn({ err: error, tool }, 'tool call answered unavailable: Redis did not answer');
        return unavailableResult();
      }
      if (error instanceof GrantInputError) return errorResult(error.code, error.message);
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && isSafeCodedError(error))
        return errorResult(code, (error as Error).message);
      outcome = 'internal_error';
      const reference = Math.random().toString(36).slice(2, 10);
      deps.logger.error({ err: error, tool, reference }, 'tool failed');
      return errorResult(
        'internal_error',
        `The server could not complete ${tool} (reference ${reference}). Try again shortly.`,
      );
    } finally {
      countToolCall(tool, outcome, (performance.now() - started) / 1000);
    }
  };
}

/** Errors from our own modules that carry a code and a message written for the model. */
function isSafeCodedError(error: unknown): boolean {
  return error instanceof Error && (error as { safe?: boolean }).safe === true;
}
