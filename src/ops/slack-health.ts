// What the Slack clients last saw of Slack: counted as metrics, and remembered for /readyz. Passive on purpose:
// readiness never calls Slack itself, it reads the outcome of the calls the process makes anyway.
import { slackApiCalls } from './metrics.js';

export type SlackCallOutcome =
  | 'ok'
  | 'rate_limited'
  | 'platform_error'
  | 'http_error'
  | 'request_error'
  | 'deferred'
  | 'error';

/** Outcomes that prove Slack answered us (an `ok: false` or a 429 is still an answer). */
const REACHED = new Set<SlackCallOutcome>(['ok', 'rate_limited', 'platform_error']);
/** Outcomes that say Slack could not be reached or failed on its side (network, timeout, 5xx). */
const UNREACHED = new Set<SlackCallOutcome>(['http_error', 'request_error']);

/** Classifies a Slack Web API call by the error it threw (null: it succeeded). */
export function slackOutcome(error: unknown): SlackCallOutcome {
  if (error === null || error === undefined) return 'ok';
  switch ((error as { code?: unknown }).code) {
    case 'slack_webapi_rate_limited_error':
      return 'rate_limited';
    case 'slack_webapi_platform_error':
      return 'platform_error';
    case 'slack_webapi_http_error':
      return 'http_error';
    case 'slack_webapi_request_error':
      return 'request_error';
    default:
      return 'error';
  }
}

export interface SlackReachability {
  state: 'up' | 'down' | 'unknown';
  /** Epoch ms of the observation the state comes from; null while unknown. */
  since: number | null;
}

let last: { reached: boolean; at: number } | null = null;

/** Records one Slack call (counted by method and outcome) and what it says about Slack's reachability. */
export function observeSlackCall(method: string, outcome: SlackCallOutcome, now = Date.now()): void {
  slackApiCalls.inc({ method: /^[a-zA-Z.]{1,64}$/.test(method) ? method : 'other', outcome });
  if (REACHED.has(outcome)) last = { reached: true, at: now };
  else if (UNREACHED.has(outcome)) last = { reached: false, at: now };
}

/** Down when the latest call that reached a verdict could not reach Slack; unknown before any call. */
export function slackReachability(): SlackReachability {
  if (!last) return { state: 'unknown', since: null };
  return { state: last.reached ? 'up' : 'down', since: last.at };
}

/** For tests: forget what was seen. */
export function resetSlackReachability(): void {
  last = null;
}
