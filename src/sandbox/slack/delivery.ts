// Sends what Slack sends an app: over the Socket Mode link when one is open, else signed HTTP to the events URL.
import { createHmac } from 'node:crypto';
import { applyReply, parseReply } from './responses.js';
import type { EnvelopeType, SocketModeHub } from './socket-mode.js';
import type { SlackState } from './state.js';
import type { Block, DeliveryOptions, DeliveryResult } from './types.js';

export interface SenderContext {
  state: SlackState;
  hub: SocketModeHub;
  signingSecret: string;
  eventsUrl: () => string | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Slack waits this long for an app's ack, then shows the person "failed with the error operation_timeout". */
export const ACK_DEADLINE_MS = 3_000;

/** `v0=` + hex HMAC-SHA256 of "v0:<timestamp>:<raw body>" (S1). */
export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** The exact bytes and media type Slack uses per kind (bare form type: Bolt matches it exactly). */
function encode(kind: EnvelopeType, payload: unknown): { body: string; contentType: string } {
  if (kind === 'events_api') return { body: JSON.stringify(payload), contentType: 'application/json' };
  const form =
    kind === 'interactive'
      ? new URLSearchParams({ payload: JSON.stringify(payload) })
      : new URLSearchParams(payload as Record<string, string>);
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

export async function deliver(
  ctx: SenderContext,
  kind: EnvelopeType,
  payload: unknown,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const result = await send(ctx, kind, payload, options);
  return result.ackMs > ACK_DEADLINE_MS ? { ...result, late: true } : result;
}

async function send(
  ctx: SenderContext,
  kind: EnvelopeType,
  payload: unknown,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const via = options.via ?? 'auto';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (via === 'socket' || (via === 'auto' && !options.url && ctx.hub.connections > 0)) {
    const result = await ctx.hub.send(kind, payload, timeoutMs);
    if ('error' in result) {
      return { via: 'socket', status: 0, body: '', ackMs: result.ackMs, error: result.error, payload };
    }
    return { via: 'socket', status: 200, body: JSON.stringify(result.ack), ackMs: result.ackMs, payload };
  }
  const url = options.url ?? ctx.eventsUrl();
  if (!url) return { via: 'none', status: 0, body: '', ackMs: 0, error: 'no_receiver', payload };
  const { body, contentType } = encode(kind, payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(options.signingSecret ?? ctx.signingSecret, timestamp, body),
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return {
      via: 'http',
      status: res.status,
      body: text,
      ackMs: Date.now() - started,
      payload,
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return {
      via: 'http',
      status: 0,
      body: '',
      ackMs: Date.now() - started,
      error: timedOut ? 'http_timeout' : 'connection_failed',
      payload,
    };
  }
}

/**
 * A slash command's immediate answer, shown as Slack would: text or `{response_type, text, blocks}` from
 * the HTTP body or the socket ack payload; empty means nothing is shown.
 */
export function applyCommandAnswer(
  state: SlackState,
  fields: Record<string, string>,
  result: DeliveryResult,
) {
  if (result.ackMs > ACK_DEADLINE_MS) {
    // Too late: Slack drops whatever the app answered and tells the person the command failed.
    applyReply(
      state,
      { channel: fields.channel_id!, ephemeral: true, user: fields.user_id! },
      { text: `${fields.command} failed with the error "operation_timeout"` },
    );
    return;
  }
  if (result.status !== 200 || !result.body || result.body === '{}' || result.body === '""') return;
  const reply: Block = parseReply(result.body);
  if (!reply.text && !reply.blocks) return;
  const channel = fields.channel_id!;
  applyReply(state, { channel, ephemeral: true, user: fields.user_id! }, reply);
}
