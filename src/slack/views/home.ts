// The App Home tab: requests waiting for the viewer and active grants, with Revoke for approvers.
import type { Button, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { ACTION, blockId, type ViewContext } from '../ids.js';
import { clientLabel, providerNames, requesterMrkdwn, usesText, when } from './grant-text.js';
import { LIMITS } from './limits.js';
import { escapeWithin, md, plain, truncate } from './mrkdwn.js';

export interface HomeInput {
  pending: Grant[];
  active: Grant[];
  ctxFor(grant: Grant): ViewContext;
  isApprover: boolean;
}

/** Blocks outside the two lists: header, intro, two list headings, a divider, two "and N more" lines. */
const FIXED_BLOCKS = 7;

/** A Home tab for views.publish (assignable to @slack/types' HomeView). */
export function homeView(input: HomeInput): HomeView & { blocks: KnownBlock[] } {
  const room = LIMITS.viewBlocks - FIXED_BLOCKS;
  // Split the room fairly; a list that needs less leaves its share to the other.
  const pendingShown = Math.min(
    input.pending.length,
    Math.max(Math.ceil(room / 2), room - input.active.length),
  );
  const activeShown = Math.min(input.active.length, room - pendingShown);

  const blocks: KnownBlock[] = [
    { type: 'header', block_id: 'cs_home_header', text: plain('Countersign', LIMITS.headerText) },
    {
      type: 'context',
      block_id: 'cs_home_intro',
      elements: [md('AI assistants ask here for time-boxed access to your tools; a person decides.')],
    },
    heading('cs_home_pending', `*Waiting for a decision* (${input.pending.length})`),
  ];
  if (input.pending.length === 0) {
    blocks.push(heading('cs_home_pending_empty', 'Nothing is waiting for you. 🎉'));
  }
  input.pending.slice(0, pendingShown).forEach((grant, i) => {
    blocks.push(pendingItem(grant, input.ctxFor(grant), i));
  });
  moreLine(blocks, 'cs_home_pending_more', input.pending.length - pendingShown);

  blocks.push({ type: 'divider', block_id: 'cs_home_divider' });
  blocks.push(heading('cs_home_active', `*Active access* (${input.active.length})`));
  if (input.active.length === 0)
    blocks.push(heading('cs_home_active_empty', 'No assistant has access right now.'));
  input.active.slice(0, activeShown).forEach((grant, i) => {
    blocks.push(activeItem(grant, input.ctxFor(grant), i, input.isApprover));
  });
  moreLine(blocks, 'cs_home_active_more', input.active.length - activeShown);
  return { type: 'home', blocks };
}

function heading(id: string, text: string): SectionBlock {
  return { type: 'section', block_id: id, text: md(text) };
}

function moreLine(blocks: KnownBlock[], id: string, hidden: number): void {
  if (hidden <= 0) return;
  blocks.push({ type: 'context', block_id: id, elements: [md(`…and ${hidden} more not shown here.`)] });
}

/** A waiting request: who, which assistant, what; a link to decide it (the Slack message has the controls). */
function pendingItem(grant: Grant, ctx: ViewContext, i: number): SectionBlock {
  const what =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to \`${escapeWithin(grant.request.url, 200)}\``
      : `*${grant.requestedLevel}* on ${escapeWithin(providerNames(grant.requestedProviders, ctx), 600)} for ${formatDuration(grant.requestedDurationMs)}`;
  const reason = grant.reason ? `\n> ${escapeWithin(grant.reason.replace(/\s+/g, ' '), 300)}` : '';
  const text = `${requesterMrkdwn(ctx)} · ${escapeWithin(clientLabel(grant.clientName), 60)} asks for ${what}\nDecide by ${when(grant.decideBy)}${reason}`;
  const section: SectionBlock = {
    type: 'section',
    block_id: blockId(`home_pending_${i}`, grant.history.length),
    text: md(truncate(text, LIMITS.sectionText)),
  };
  if (ctx.approvalUrl && ctx.approvalUrl.length <= LIMITS.url) {
    section.accessory = {
      type: 'button',
      action_id: ACTION.openInBrowser,
      text: plain('Open'),
      url: ctx.approvalUrl,
    };
  }
  return section;
}

/** An active grant: scope, expiry and use count, with Revoke (confirmed) for approvers. */
function activeItem(grant: Grant, ctx: ViewContext, i: number, isApprover: boolean): SectionBlock {
  const scope =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to \`${escapeWithin(grant.request.url, 200)}\``
      : `*${grant.level}* on ${escapeWithin(providerNames(grant.providers, ctx), 600)}`;
  const text = `${requesterMrkdwn(ctx)} · ${escapeWithin(clientLabel(grant.clientName), 60)} has ${scope}\nUntil ${when(grant.expiresAt)} · ${usesText(grant.uses)}`;
  const section: SectionBlock = {
    type: 'section',
    block_id: blockId(`home_active_${i}`, grant.history.length),
    text: md(truncate(text, LIMITS.sectionText)),
  };
  if (isApprover) section.accessory = revokeButton(grant);
  return section;
}

function revokeButton(grant: Grant): Button {
  return {
    type: 'button',
    action_id: ACTION.revoke,
    text: plain('Revoke'),
    style: 'danger',
    value: grant.id,
    confirm: {
      title: plain('Revoke this access?'),
      text: plain('The assistant loses access at once; its next call is refused.'),
      confirm: plain('Revoke'),
      deny: plain('Keep'),
      style: 'danger',
    },
  };
}
