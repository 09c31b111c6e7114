// The App Home tab, by role: everyone sees their own requests and access (with End now); approvers what waits
// for their decision (Approve as asked, Deny, or open the message); admins every active grant and the audit.
import type { ActionsBlock, Button, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { Grant } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { ACTION, blockId, type ViewContext } from '../ids.js';
import { clientLabel, providerNames, requesterMrkdwn, usageText, when } from './grant-text.js';
import { LIMITS } from './limits.js';
import { escapeCode, escapeWithin, fitMrkdwn, md, plain, truncate } from './mrkdwn.js';
import { denyButton } from './request-inputs.js';

export interface HomeInput {
  /** The viewer's own requests and access. */
  mine: { pending: Grant[]; active: Grant[] };
  /** Approvers: other people's requests waiting for a decision (empty for everyone else). */
  toDecide: Grant[];
  /** Admins: every active grant; null for everyone else. */
  allActive: Grant[] | null;
  /** Admins: the latest audit lines (mrkdwn, already escaped); null for everyone else. */
  recentAudit: string[] | null;
  /** Admins: what the Slack self-check found wrong (plain sentences); empty for everyone else. */
  setupProblems?: string[];
  /** Admins: the approval policy in force, one line per rule (plain); null for everyone else. */
  policySummary?: string[] | null;
  ctxFor(grant: Grant): ViewContext;
}

/** Each list gets at most this many blocks, so every section fits in a view's 100. */
const PER_LIST = 14;

/** A Home tab for views.publish (assignable to @slack/types' HomeView). */
export function homeView(input: HomeInput): HomeView & { blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: 'cs_home_header', text: plain('Countersign', LIMITS.headerText) },
    {
      type: 'context',
      block_id: 'cs_home_intro',
      elements: [md('AI assistants ask here for time-boxed access to your tools; a person decides.')],
    },
  ];
  const setup = input.setupProblems ?? [];
  if (setup.length > 0) {
    blocks.push(heading('cs_home_setup', ':warning: *Slack setup needs attention*'));
    blocks.push(
      note(
        'cs_home_setup_problems',
        `${setup.map((p) => `• ${escapeWithin(p, 400)}`).join('\n')}\n\`/countersign check\` checks again.`,
      ),
    );
  }
  const list = (id: string, title: string, grants: Grant[], empty: string, item: Item) => {
    blocks.push(heading(`cs_home_${id}`, `*${title}* (${grants.length})`));
    if (grants.length === 0) blocks.push(note(`cs_home_${id}_empty`, empty));
    grants.slice(0, PER_LIST).forEach((grant, i) => {
      blocks.push(...item(grant, input.ctxFor(grant), `${id}_${i}`));
    });
    if (grants.length > PER_LIST)
      blocks.push(note(`cs_home_${id}_more`, `…and ${grants.length - PER_LIST} more not shown here.`));
  };

  list('mine_active', 'Your assistants’ access', input.mine.active, 'None right now.', (g, c, id) => [
    activeItem(g, c, id, 'End now'),
  ]);
  list('mine_pending', 'Your requests waiting', input.mine.pending, 'Nothing is waiting.', (g, c, id) => [
    pendingItem(g, c, id),
  ]);
  if (input.toDecide.length > 0 || input.allActive !== null) {
    blocks.push({ type: 'divider', block_id: 'cs_home_divider_decide' });
    list(
      'decide',
      'Waiting for your decision',
      input.toDecide,
      'Nothing is waiting for you. 🎉',
      (g, c, id) => [pendingItem(g, c, id), decideButtons(g, c, id)],
    );
  }
  if (input.allActive !== null) {
    blocks.push({ type: 'divider', block_id: 'cs_home_divider_admin' });
    list(
      'all_active',
      'All active access',
      input.allActive,
      'No assistant has access right now.',
      (g, c, id) => [activeItem(g, c, id, 'Revoke')],
    );
    const summary = input.policySummary ?? [];
    if (summary.length > 0) {
      blocks.push(heading('cs_home_policy', '*Approval policy in force*'));
      blocks.push(
        note('cs_home_policy_rules', summary.map((line) => escapeWithin(line.trim(), 300)).join('\n')),
      );
    }
    blocks.push(heading('cs_home_audit', '*Latest audit events*'));
    const lines = input.recentAudit ?? [];
    blocks.push(note('cs_home_audit_lines', lines.length > 0 ? lines.join('\n') : 'Nothing recorded yet.'));
  }
  return { type: 'home', blocks };
}

type Item = (grant: Grant, ctx: ViewContext, id: string) => KnownBlock[];

/** " · rules: a, b": the policy rules that governed the grant. */
function rulesText(grant: Grant): string {
  return grant.policy ? ` · rules: ${escapeWithin(grant.policy.rules.join(', ') || 'none', 200)}` : '';
}

function heading(id: string, text: string): SectionBlock {
  return { type: 'section', block_id: id, text: md(text) };
}

function note(id: string, text: string): KnownBlock {
  return { type: 'context', block_id: id, elements: [md(truncate(text, LIMITS.contextText))] };
}

/** A waiting request: who, which assistant, what, by when; a link to its consent page. */
function pendingItem(grant: Grant, ctx: ViewContext, id: string): SectionBlock {
  const what =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to \`${escapeWithin(grant.request.url, 200)}\``
      : `*${grant.requestedLevel}* on ${escapeWithin(providerNames(grant.requestedProviders, ctx), 600)} for ${formatDuration(grant.requestedDurationMs)}`;
  const reason = grant.reason ? `\n> ${escapeWithin(grant.reason.replace(/\s+/g, ' '), 300)}` : '';
  const text = `${requesterMrkdwn(ctx)} · ${escapeWithin(clientLabel(grant.clientName), 60)} asks for ${what}\nDecide by ${when(grant.decideBy)}${rulesText(grant)}${reason}${bodyPreview(grant, ctx)}`;
  const section: SectionBlock = {
    type: 'section',
    block_id: blockId(`home_${id}`, grant.history.length),
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

/** A one-call request's body as it will be sent: what is approved, not only where (bounded, link for the rest). */
const BODY_PREVIEW = 600;
function bodyPreview(grant: Grant, ctx: ViewContext): string {
  const body = grant.kind === 'request' ? grant.request?.body : null;
  if (body === null || body === undefined) return grant.kind === 'request' ? '\n_No body._' : '';
  const shown = fitMrkdwn(body, BODY_PREVIEW, escapeCode);
  const rest =
    shown.omitted === 0
      ? ''
      : ctx.approvalUrl && ctx.approvalUrl.length <= LIMITS.url
        ? `\n_(${shown.omitted} more characters: *Open* shows the full body)_`
        : `\n_(${shown.omitted} more characters not shown)_`;
  return `\n\`\`\`\n${shown.text}\n\`\`\`${rest}`;
}

/** The approve confirmation of a one-call request: method, URL and the start of the body (plain text, 300). */
function callConfirmText(grant: Grant): string {
  const request = grant.request!;
  const body = request.body === null ? 'No body.' : `Body: ${request.body.replace(/\s+/g, ' ')}`;
  return truncate(`${request.method} ${request.url}\n${body}`, LIMITS.confirmText);
}

/** Approve as asked, or Deny: the same decision as on the message (narrowing needs the message's form). */
function decideButtons(grant: Grant, _ctx: ViewContext, id: string): ActionsBlock {
  const approve: Button = {
    type: 'button',
    action_id: ACTION.approve,
    text: plain('Approve as asked'),
    style: 'primary',
    value: grant.id,
  };
  // Approving from Home skips the message's full view, so a one-call request says what it sends first.
  if (grant.kind === 'request' && grant.request)
    approve.confirm = {
      title: plain('Approve this call?', LIMITS.confirmTitle),
      text: plain(callConfirmText(grant), LIMITS.confirmText),
      confirm: plain('Approve'),
      deny: plain('Cancel'),
    };
  return {
    type: 'actions',
    block_id: blockId(`home_${id}_decide`, grant.history.length),
    elements: [approve, denyButton(grant, 'The assistant is told it was denied.')],
  };
}

/** An active grant: scope, expiry and usage, with a confirmed button that ends it. */
function activeItem(grant: Grant, ctx: ViewContext, id: string, label: 'End now' | 'Revoke'): SectionBlock {
  const scope =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to \`${escapeWithin(grant.request.url, 200)}\``
      : `*${grant.level}* on ${escapeWithin(providerNames(grant.providers, ctx), 600)}`;
  const text = `${requesterMrkdwn(ctx)} · ${escapeWithin(clientLabel(grant.clientName), 60)} has ${scope}\nUntil ${when(grant.expiresAt)} · ${usageText(grant, ctx)}${rulesText(grant)}`;
  return {
    type: 'section',
    block_id: blockId(`home_${id}`, grant.history.length),
    text: md(truncate(text, LIMITS.sectionText)),
    accessory: endButton(grant, label),
  };
}

function endButton(grant: Grant, label: 'End now' | 'Revoke'): Button {
  return {
    type: 'button',
    action_id: ACTION.revoke,
    text: plain(label),
    style: 'danger',
    value: grant.id,
    confirm: {
      title: plain(label === 'End now' ? 'End this access now?' : 'Revoke this access?'),
      text: plain('The assistant loses access at once; its next call is refused.'),
      confirm: plain(label),
      deny: plain('Keep'),
      style: 'danger',
    },
  };
}
