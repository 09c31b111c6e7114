// Controls on an approved grant's message: extend in steps (never past the maximum) and revoke.
import type { ActionsBlock, Button, KnownBlock, PlainTextOption, StaticSelect } from '@slack/types';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { ACTION, blockId, type ViewContext } from '../ids.js';
import { LIMITS } from './limits.js';
import { plain } from './mrkdwn.js';

const MINUTE = 60_000;
const STEPS = [5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 2 * 60 * MINUTE, 4 * 60 * MINUTE];

/** How much longer the grant may still run: up to the maximum duration from approval. */
export function extensionHeadroomMs(grant: Grant, ctx: Pick<ViewContext, 'maxAccessMs'>): number {
  if (grant.approvedAt === null || grant.expiresAt === null) return 0;
  return Math.max(0, grant.approvedAt + ctx.maxAccessMs - grant.expiresAt);
}

/** The step options offered: the ladder below the headroom, and the headroom itself as "to the maximum". */
export function extensionSteps(headroomMs: number): number[] {
  if (headroomMs < MINUTE) return [];
  const steps = STEPS.filter((ms) => ms < headroomMs);
  return [...steps, headroomMs].slice(-LIMITS.selectOptions);
}

/**
 * A select carries no value of its own: each option names the grant and the new end, "<until ms> <grantId>".
 * An absolute end, not a step: a replayed or repeated choice asks for an end already reached and adds nothing.
 */
export const extensionValue = (grantId: string, untilMs: number) => `${untilMs} ${grantId}`;

export function parseExtensionValue(value: string | undefined): { grantId: string; until: number } | null {
  const match = /^(\d{1,16}) (\S{1,120})$/.exec(value ?? '');
  return match ? { until: Number(match[1]), grantId: match[2]! } : null;
}

export function grantControls(grant: Grant, ctx: ViewContext, version: number): KnownBlock {
  const elements: Array<Button | StaticSelect> = [];
  // Only broad access is extended; an id too long to fit an option value gets no select rather than a broken one.
  const fits = extensionValue(grant.id, Number.MAX_SAFE_INTEGER).length <= LIMITS.optionValue;
  const steps = grant.kind === 'broad' && fits ? extensionSteps(extensionHeadroomMs(grant, ctx)) : [];
  if (steps.length > 0) {
    const last = steps.length - 1;
    const options: PlainTextOption[] = steps.map((ms, i) => ({
      text: plain(
        i === last ? `+${formatDuration(ms)} (to the maximum)` : `+${formatDuration(ms)}`,
        LIMITS.optionText,
      ),
      value: extensionValue(grant.id, (grant.expiresAt ?? 0) + ms),
    }));
    elements.push({
      type: 'static_select',
      action_id: ACTION.extend,
      placeholder: plain('Extend by…'),
      options,
    });
  }
  elements.push({
    type: 'button',
    action_id: ACTION.revoke,
    text: plain('Revoke'),
    style: 'danger',
    value: grant.id,
    confirm: {
      title: plain('End this access now?'),
      text: plain('The assistant’s next call is refused.'),
      confirm: plain('Revoke'),
      deny: plain('Back'),
      style: 'danger',
    },
  });
  const block: ActionsBlock = { type: 'actions', block_id: blockId('controls', version), elements };
  return block;
}
