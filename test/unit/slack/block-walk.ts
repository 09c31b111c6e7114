// Helpers to look inside rendered Block Kit: every text object, blocks by type, elements by action id.
import type { KnownBlock } from '@slack/types';

export interface FoundText {
  path: string;
  type: 'plain_text' | 'mrkdwn';
  text: string;
  verbatim?: boolean;
}

/** Every text object anywhere in the value, with where it was found. */
export function textsOf(value: unknown, path = ''): FoundText[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => textsOf(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as Record<string, unknown>;
  if ((obj.type === 'plain_text' || obj.type === 'mrkdwn') && typeof obj.text === 'string') {
    return [{ path, type: obj.type, text: obj.text, verbatim: obj.verbatim as boolean | undefined }];
  }
  return Object.entries(obj).flatMap(([k, v]) => textsOf(v, `${path}.${k}`));
}

/** All the text a person would read, joined (for "does it say X" checks). */
export const allText = (blocks: unknown): string =>
  textsOf(blocks)
    .map((t) => t.text)
    .join('\n');

export const blocksOfType = (blocks: KnownBlock[], type: string) => blocks.filter((b) => b.type === type);

/** Elements (in inputs, actions and accessories) with the given action id. */
export function elementsWith(blocks: KnownBlock[], actionId: string): Record<string, any>[] {
  const found: Record<string, any>[] = [];
  for (const block of blocks as any[]) {
    const candidates = [block.element, block.accessory, ...(block.type === 'actions' ? block.elements : [])];
    for (const el of candidates) if (el?.action_id === actionId) found.push(el);
  }
  return found;
}

/**
 * Raw special sequences the agent's text must never produce. Our own sequences are allowed: mentions of the
 * test people, `<!date^…>` and permalinks to slack.example.com; after removing those, no `<` may remain.
 */
export const FORBIDDEN_IN_MRKDWN = ['<!channel>', '<http://evil|click>', '<@U1>', /@here/];
const OURS =
  /<(@U(?:REQ|ALICE|BOB|MALLORY)|!date\^\d+\^[^|<>]*\|[^<>]*|https:\/\/slack\.example\.com\/[^<>|]*\|[^<>]*)>/g;

/** True when mrkdwn text holds a `<` that is not one of our own sequences, or a bare @here. */
export const hasUnsafeSequence = (text: string): boolean =>
  text.replace(OURS, '').includes('<') ||
  FORBIDDEN_IN_MRKDWN.some((f) => (typeof f === 'string' ? text.includes(f) : f.test(text)));

export function unsafeMrkdwn(value: unknown): FoundText[] {
  return textsOf(value).filter(
    (t) => t.type === 'mrkdwn' && (t.verbatim !== true || hasUnsafeSequence(t.text)),
  );
}
