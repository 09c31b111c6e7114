// Prometheus metrics: one registry for the process, the metric families, and the small helpers the wiring
// points call. Process-wide on purpose: Slack clients, tool wrappers and the proxy are built in many places,
// and a scrape describes the process anyway. Label values come from our own code (tool names, error codes,
// Slack method names, provider ids), never from request input, so their number stays small.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

export type ToolOutcome = 'ok' | 'error' | 'unavailable' | 'internal_error';

export const toolCalls = new Counter({
  name: 'countersign_mcp_tool_calls_total',
  help: 'MCP tool calls by tool and outcome (error: a coded error result; unavailable: Redis did not answer in time; internal_error: unexpected failure)',
  labelNames: ['tool', 'outcome'] as const,
  registers,
});

export const toolSeconds = new Histogram({
  name: 'countersign_mcp_tool_duration_seconds',
  help: 'MCP tool call duration (check_access_request includes its long poll)',
  labelNames: ['tool'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export const accessRequests = new Counter({
  name: 'countersign_access_requests_total',
  help: 'Access requests made (kind: session or call)',
  labelNames: ['kind'] as const,
  registers,
});

export const grantEvents = new Counter({
  name: 'countersign_grant_events_total',
  help: 'Grant lifecycle audit events by type (requested, approved, denied, expired, ended, revoked, …)',
  labelNames: ['event'] as const,
  registers,
});

export const decisions = new Counter({
  name: 'countersign_decisions_total',
  help: 'Decisions on access requests by outcome (approved, denied, expired) and where they were made',
  labelNames: ['outcome', 'via'] as const,
  registers,
});

export const decisionSeconds = new Histogram({
  name: 'countersign_decision_seconds',
  help: 'Time from an access request to its approval or denial',
  labelNames: ['outcome'] as const,
  buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  registers,
});

export const slackAckSeconds = new Histogram({
  name: 'countersign_slack_ack_seconds',
  help: 'Time from receiving a Slack interaction to acknowledging it (Slack gives up after 3 s)',
  labelNames: ['type'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers,
});

export const upstreamSeconds = new Histogram({
  name: 'countersign_upstream_request_seconds',
  help: 'Provider API calls through the proxy by provider and status (an HTTP status, or an error code)',
  labelNames: ['provider', 'status'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export const slackApiCalls = new Counter({
  name: 'countersign_slack_api_calls_total',
  help: 'Slack Web API calls (jobs, and the bot identity check) by method and outcome (ok, rate_limited, platform_error, http_error, request_error, deferred, error)',
  labelNames: ['method', 'outcome'] as const,
  registers,
});

export const mcpInflight = new Gauge({
  name: 'countersign_mcp_inflight_requests',
  help: 'MCP requests being handled on this instance (long polls included)',
  registers,
});

export const mcpQueued = new Gauge({
  name: 'countersign_mcp_queued_requests',
  help: 'MCP requests waiting for their turn at the work gate (MAX_ACTIVE_REQUESTS being worked on)',
  registers,
});

export const mcpRejected = new Counter({
  name: 'countersign_mcp_rejected_total',
  help: 'MCP requests answered 503 before any work (reason: overloaded = MAX_INFLIGHT_REQUESTS reached; queue_wait = waited MAX_QUEUE_WAIT for a turn; unavailable = Redis did not answer)',
  labelNames: ['reason'] as const,
  registers,
});

export const auditTrimmedBySize = new Counter({
  name: 'countersign_audit_trimmed_by_size_total',
  help: 'Audit stream entries removed by the AUDIT_MAX_ENTRIES size guard before AUDIT_RETENTION had passed',
  registers,
});

/**
 * Label children made once per label set and kept: the call path records a tool call and an upstream call on
 * every call, and a child spares it the label object and label lookup each time. Label values are bounded
 * (see the top of this file), and so are these maps.
 */
type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;
const toolChildren = new Map<string, { seconds: HistogramChild; calls: Map<ToolOutcome, CounterChild> }>();
const upstreamChildren = new Map<string, Map<number | string, HistogramChild>>();

export function countToolCall(tool: string, outcome: ToolOutcome, seconds: number): void {
  let children = toolChildren.get(tool);
  if (children === undefined) {
    children = { seconds: toolSeconds.labels(tool), calls: new Map() };
    toolChildren.set(tool, children);
  }
  let calls = children.calls.get(outcome);
  if (calls === undefined) {
    calls = toolCalls.labels(tool, outcome);
    children.calls.set(outcome, calls);
  }
  calls.inc();
  children.seconds.observe(seconds);
}

/** Records one upstream call's latency under its HTTP status (a number) or an error code. */
function observeUpstream(provider: string, status: number | string, seconds: number): void {
  let byStatus = upstreamChildren.get(provider);
  if (byStatus === undefined) {
    byStatus = new Map();
    upstreamChildren.set(provider, byStatus);
  }
  let child = byStatus.get(status);
  if (child === undefined) {
    child = upstreamSeconds.labels(provider, String(status));
    byStatus.set(status, child);
  }
  child.observe(seconds);
}

/** Runs one upstream call and records its latency under its status, or under the error's code when it throws. */
export async function timeUpstream<T extends { status: number }>(
  provider: string,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const response = await call();
    observeUpstream(provider, response.status, (performance.now() - started) / 1000);
    return response;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    observeUpstream(
      provider,
      typeof code === 'string' ? code : 'error',
      (performance.now() - started) / 1000,
    );
    throw error;
  }
}

/** Slack interaction types as labels: signed payloads only reach us, but keep the label tidy anyway. */
export function interactionType(body: Record<string, unknown>): string {
  const type = typeof body.type === 'string' ? body.type : typeof body.command === 'string' ? 'command' : '';
  return /^[a-z_]{1,40}$/.test(type) ? type : 'other';
}

/** Anything with BullMQ's job counts; the queue depth is read at scrape time. */
export interface CountableQueue {
  getJobCounts(...types: QueueState[]): Promise<Partial<Record<string, number>>>;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
type QueueState = (typeof QUEUE_STATES)[number];
/** Each watched queue, with whether its Redis connection is up (a scrape then does not queue commands). */
const queues = new Map<CountableQueue, () => boolean>();
/** A scrape must answer even when Redis hangs: past this the depth is left out of that scrape. */
const QUEUE_SCRAPE_TIMEOUT_MS = 1000;

new Gauge({
  name: 'countersign_queue_jobs',
  help: 'Grant jobs in the queue by state (read at scrape time; absent while Redis is unavailable)',
  labelNames: ['state'] as const,
  registers,
  async collect() {
    this.reset();
    for (const [queue, connected] of queues) {
      const counts = connected() ? await queueCounts(queue) : null;
      if (!counts) continue;
      for (const state of QUEUE_STATES) this.inc({ state }, counts[state] ?? 0);
    }
  },
});

async function queueCounts(queue: CountableQueue): Promise<Partial<Record<string, number>> | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), QUEUE_SCRAPE_TIMEOUT_MS);
  });
  const read = queue.getJobCounts(...QUEUE_STATES).catch(() => null);
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reports this queue's depth on every scrape until the returned function is called. */
export function watchQueueDepth(queue: CountableQueue, connected: () => boolean): () => void {
  queues.set(queue, connected);
  return () => {
    queues.delete(queue);
  };
}

export const redisResets = new Counter({
  name: 'countersign_redis_resets_total',
  help: 'Redis data resets this process saw (its epoch key vanished or changed: Redis lost its data)',
  registers,
});
