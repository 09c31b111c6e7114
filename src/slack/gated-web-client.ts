// A Slack WebClient whose every call goes through the fleet-wide retry gate (src/slack/retry-gate.ts), so a 429
// seen anywhere holds back every instance's calls through that gate, and a job deferred into a channel's line
// comes back at its turn.
import webapi, { type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { asDeferral, RetryLater } from '../jobs/grant-jobs.js';
import { heldTurn, inJobRun } from '../jobs/slack-turn.js';
import { observeSlackCall, slackOutcome } from '../ops/slack-health.js';
import { LooseTurns } from './loose-turns.js';
import { gateName, type SlackRetryGate } from './retry-gate.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A WebClient whose every call goes through its gate (gateName): inside the gate's Retry-After window it throws
 * RetryLater (the job waits without spending attempts); while another call through the gate is on the wire it
 * waits its turn; a 429 opens the window for every worker. A deferral into a channel's line carries the job's turn
 * there, and a call made while the job holds a turn presents it; outside a job, the client keeps the turn and
 * presents it with the next call through that gate once it has come. Calls through one gate queue up in the
 * process, so only one of them at a time polls the fleet-wide slot.
 */
export class GatedWebClient extends webapi.WebClient {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly looseTurns = new LooseTurns();
  /** A crashed holder's slot frees itself after the longest a call can take, plus a margin. */
  private readonly leaseMs: number;

  constructor(
    token: string,
    options: WebClientOptions,
    private readonly gate: SlackRetryGate,
  ) {
    super(token, { ...options, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    this.leaseMs = (options.timeout || 30_000) + 5_000;
  }

  override apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const gate = gateName(method, options);
    const call = (this.tails.get(gate) ?? Promise.resolve()).then(() =>
      this.gatedCall(method, gate, options),
    );
    const tail = call.catch(() => undefined);
    this.tails.set(gate, tail);
    // Forget a settled queue so the map does not keep one promise per gate forever.
    void tail.then(() => {
      if (this.tails.get(gate) === tail) this.tails.delete(gate);
    });
    return call;
  }

  private async reserve(method: string, gate: string): Promise<string> {
    const started = Date.now();
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const slot = await this.gate.reserve(gate, this.leaseMs, this.turnFor(gate));
      if (slot.kind === 'go') return slot.token;
      if (slot.kind === 'window') {
        observeSlackCall(method, 'deferred');
        throw this.deferral(gate, slot.ms, false, slot.turn);
      }
      // Another worker's call is on the wire; it ends within its lease, so this wait is bounded.
      if (Date.now() - started > this.leaseMs) throw new RetryLater(pause);
      await sleep(Math.min(pause, slot.ms));
    }
  }

  private async gatedCall(
    method: string,
    gate: string,
    options?: Record<string, unknown>,
  ): Promise<WebAPICallResult> {
    const token = await this.reserve(method, gate);
    try {
      const result = await super.apiCall(method, options);
      observeSlackCall(method, 'ok');
      // Not awaited: the caller needs no answer, and this connection runs it before any later reserve it sends.
      this.gate.release(gate, token).catch(() => undefined);
      return result;
    } catch (error) {
      observeSlackCall(method, slackOutcome(error));
      const deferral = asDeferral(error);
      if (!deferral) {
        this.gate.release(gate, token).catch(() => undefined);
        throw error;
      }
      // Queued in the gate's line when it has one: the wait is its turn there, and the next run presents it.
      const { ms, turn } = await this.gate.release(gate, token, deferral.delayMs);
      throw this.deferral(gate, ms, deferral.sentNothing, turn);
    }
  }

  /** The turn this call presents: its job's, or outside a job one this process was given that has come. */
  private turnFor(gate: string): string | undefined {
    return inJobRun() ? heldTurn(gate) : this.looseTurns.take(gate);
  }

  /** A deferral, with its turn in the gate's line if it was given one (kept here when no job will keep it). */
  private deferral(gate: string, ms: number, sentNothing: boolean, turn?: string): RetryLater {
    if (!turn) return new RetryLater(ms, sentNothing);
    if (!inJobRun()) this.looseTurns.keep(gate, turn, ms);
    return new RetryLater(ms, sentNothing, { gate, token: turn });
  }
}
