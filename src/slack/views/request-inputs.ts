// The approver's controls on a pending request: providers, level, duration, notes, and the decision buttons.
import type { ActionsBlock, Button, InputBlock, KnownBlock, PlainTextOption } from '@slack/types';
import { durationChoices } from '../../grants/durations.js';
import { MAX_TEXT_CHARS } from '../../grants/transitions.js';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { ACTION, blockId, type ViewContext } from '../ids.js';
import { LIMITS } from './limits.js';
import { plain } from './mrkdwn.js';

/** Prefix of an option value that stands for a provider by its index (ids too long for an option value). */
const INDEX_PREFIX = '#';

/** The checkbox value for a provider: its id, or `#<index>` when the id would not fit in an option value. */
export function providerOptionValue(grant: Grant, provider: string): string {
  if (provider.length <= LIMITS.optionValue && !provider.startsWith(INDEX_PREFIX)) return provider;
  return `${INDEX_PREFIX}${grant.requestedProviders.indexOf(provider)}`;
}

/** The provider a ticked checkbox stands for, or undefined for a value this grant never offered. */
export function providerFromOptionValue(grant: Grant, value: string): string | undefined {
  if (value.startsWith(INDEX_PREFIX)) return grant.requestedProviders[Number(value.slice(1))];
  return grant.requestedProviders.includes(value) ? value : undefined;
}

/**
 * Provider checkboxes, all ticked, in groups of at most 10 (Slack's limit); every group is its own input block
 * with the same action id, so the listener merges the ticks of every `ACTION.providers` entry it finds.
 */
export function providerInputs(grant: Grant, ctx: ViewContext, version: number): InputBlock[] {
  const options: PlainTextOption[] = grant.requestedProviders.map((p) => ({
    text: plain(ctx.providerNames[p] ?? p, LIMITS.optionText),
    value: providerOptionValue(grant, p),
  }));
  const groups: PlainTextOption[][] = [];
  for (let i = 0; i < options.length; i += LIMITS.checkboxOptions) {
    groups.push(options.slice(i, i + LIMITS.checkboxOptions));
  }
  return groups.map((group, i) => ({
    type: 'input',
    block_id: blockId(groups.length === 1 ? 'providers' : `providers_${i + 1}`, version),
    label: plain(groups.length === 1 ? 'Providers' : `Providers (${i + 1} of ${groups.length})`),
    ...(i === 0 ? { hint: plain('Untick any provider the assistant should not get.') } : {}),
    optional: true,
    element: {
      type: 'checkboxes',
      action_id: ACTION.providers,
      options: group,
      initial_options: group,
    },
  }));
}

/** Write or read for a write request (approvers may only narrow, so a read request gets no choice). */
export function levelInput(version: number): InputBlock {
  const write: PlainTextOption = { text: plain('Write'), value: 'write' };
  const read: PlainTextOption = { text: plain('Read only (downgrade)'), value: 'read' };
  return {
    type: 'input',
    block_id: blockId('level', version),
    label: plain('Level'),
    element: {
      type: 'radio_buttons',
      action_id: ACTION.level,
      options: [write, read],
      initial_option: write,
    },
  };
}

/** Durations up to ctx.maxAccessMs; option values are milliseconds; the asked one (capped) is preselected. */
export function durationInput(grant: Grant, ctx: ViewContext, version: number): InputBlock {
  const max = ctx.maxAccessMs;
  const asked = Math.min(grant.requestedDurationMs, max);
  // The same choices as the consent page: an approver sees one set of options wherever they decide.
  const choices = durationChoices(grant.requestedDurationMs, max).slice(-LIMITS.selectOptions);
  const options: PlainTextOption[] = choices.map((ms) => ({
    text: plain(ms === asked ? `${formatDuration(ms)} (asked)` : formatDuration(ms), LIMITS.optionText),
    value: String(ms),
  }));
  const initial = options[choices.indexOf(asked)];
  const capped = grant.requestedDurationMs > max;
  return {
    type: 'input',
    block_id: blockId('duration', version),
    label: plain('Access for'),
    hint: plain(
      capped
        ? `Asked for ${formatDuration(grant.requestedDurationMs)}; the longest allowed is ${formatDuration(max)}. The clock starts at approval.`
        : 'The clock starts when you approve.',
    ),
    element: {
      type: 'static_select',
      action_id: ACTION.duration,
      placeholder: plain('Choose a duration'),
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** Free text: instructions to the assistant on Approve, the reason it is told on Deny. */
export function notesInput(version: number): InputBlock {
  return {
    type: 'input',
    block_id: blockId('notes', version),
    optional: true,
    // Slack itself adds "(optional)" to an optional input's label.
    label: plain('Notes'),
    hint: plain('Approve: sent to the assistant as instructions. Deny: sent as the reason.'),
    element: {
      type: 'plain_text_input',
      action_id: ACTION.notes,
      multiline: true,
      max_length: MAX_TEXT_CHARS,
      placeholder: plain('e.g. read only the ENG team’s issues'),
    },
  };
}

/** Deny, behind a confirm dialog that says what the assistant will be told. */
export function denyButton(grant: Grant, consequence: string): Button {
  return {
    type: 'button',
    action_id: ACTION.deny,
    text: plain('Deny'),
    style: 'danger',
    value: grant.id,
    confirm: {
      title: plain('Deny this request?'),
      text: plain(consequence),
      confirm: plain('Deny'),
      deny: plain('Back'),
      style: 'danger',
    },
  };
}

/** Approve, Deny (with a confirm dialog) and, when there is a consent page, a link to it. */
export function decisionButtons(grant: Grant, ctx: ViewContext, version: number): KnownBlock {
  const elements: Button[] = [
    {
      type: 'button',
      action_id: ACTION.approve,
      text: plain('Approve'),
      style: 'primary',
      value: grant.id,
    },
    denyButton(grant, 'The assistant is told it was denied, with your notes as the reason.'),
  ];
  // A URL Slack would reject would sink the whole message; the consent link is only a fallback.
  if (ctx.approvalUrl && ctx.approvalUrl.length <= LIMITS.url) {
    elements.push({
      type: 'button',
      action_id: ACTION.openInBrowser,
      text: plain('Open in browser'),
      url: ctx.approvalUrl,
    });
  }
  const block: ActionsBlock = { type: 'actions', block_id: blockId('decision', version), elements };
  return block;
}
