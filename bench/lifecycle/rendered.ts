// What a request message shows (its headline, whether it still has the decision buttons), and when the
// stand-in first received the chat.update that made it final.
import type { Block, SlackApiCall } from '../../src/sandbox/slack/index.js';

/** Headlines of src/slack/views/request-message.ts, as far as the lifecycle benchmarks look for them. */
export const HEADLINE = {
  expired: '⌛ Expired without a decision',
  ended: '⏹️ Access ended',
} as const;

/** The header block's text ('' when there is none). */
export function headlineOf(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const header = (blocks as Block[]).find((b) => b?.type === 'header');
  return typeof header?.text?.text === 'string' ? header.text.text : '';
}

/** True while the message still offers the Approve button (action id cs_approve, src/slack/ids.ts). */
export function hasApproveButton(blocks: unknown): boolean {
  if (!Array.isArray(blocks)) return false;
  return (blocks as Block[]).some(
    (b) => Array.isArray(b?.elements) && b.elements.some((e: Block) => e?.action_id === 'cs_approve'),
  );
}

/** The message is re-rendered for its final state: no buttons, and the headline of that state. */
export function showsFinal(blocks: unknown, headline: string): boolean {
  return !hasApproveButton(blocks) && headlineOf(blocks).startsWith(headline);
}

/**
 * For each message ts, when the stand-in received (its `at`, epoch ms) the first answered-200 chat.update
 * that rendered it final with `headline`. 429s and other refusals changed nothing and are skipped.
 */
export function finalUpdateTimes(updates: readonly SlackApiCall[], headline: string): Map<string, number> {
  const at = new Map<string, number>();
  for (const call of updates) {
    if (call.status !== 200 || !call.ok) continue;
    const ts = String(call.args.ts ?? '');
    if (at.has(ts) || !showsFinal(call.args.blocks, headline)) continue;
    at.set(ts, call.at);
  }
  return at;
}
