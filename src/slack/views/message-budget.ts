// Slack's whole-message budget: beyond every per-block limit, a message whose blocks carry more than about
// 12,000 characters of text in total is refused (msg_blocks_too_long, undocumented but enforced). We keep
// our messages under a lower budget so an edit that adds notes or an outcome still fits.
import type { KnownBlock } from '@slack/types';

export const MESSAGE_TEXT_BUDGET = 11_000;

/** Every `text` string inside the blocks (section text and fields, context, headers, buttons, inputs…). */
export function blockTextLength(blocks: readonly unknown[]): number {
  let total = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'text' && typeof value === 'string') total += value.length;
      else walk(value);
    }
  };
  walk(blocks as KnownBlock[]);
  return total;
}
