// Reads a request message back from Slack, for a refresh job run again after a crash: Slack may already show
// what the first run sent (the crash came after chat.update reached Slack, before the job was recorded done),
// and sending it again would change the message a second time for nothing.
import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { MessageRef } from './message-refs.js';

/** Stable JSON: keys sorted, so the same content hashes alike however an object was built or parsed. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      // Slack gives blocks we sent without an id one of its own: that is not a difference in content.
      .filter(([key, v]) => v !== undefined && key !== 'block_id')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A hash of a message's rendered content (fallback text and blocks). */
export function renderedHash(message: { text?: string; blocks?: unknown }): string {
  return createHash('sha256')
    .update(canonical({ text: message.text ?? '', blocks: message.blocks ?? [] }))
    .digest('base64url');
}

/**
 * True when the message at `ref` shows exactly `rendered` now. Slack's refusal (a missing history scope, the
 * message gone) is an error the caller treats as "not known": it updates as it would have anyway.
 */
export async function showsAlready(
  client: WebClient,
  ref: MessageRef,
  rendered: { text: string; blocks: unknown[] },
): Promise<boolean> {
  const res = await client.conversations.history({
    channel: ref.channel,
    latest: ref.ts,
    inclusive: true,
    limit: 1,
  });
  const current = res.messages?.[0];
  if (!current || current.ts !== ref.ts) return false;
  return renderedHash(current) === renderedHash(rendered);
}
