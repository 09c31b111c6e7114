// The one Slack message per grant, re-rendered from the grant record on every state change.
import type { KnownBlock, SectionBlock } from '@slack/types';
import type { Grant, GrantStatus } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { blockId, type ViewContext } from '../ids.js';
import { grantControls } from './grant-controls.js';
import {
  accessText,
  actorMrkdwn,
  actorPlain,
  clientLabel,
  currentEntry,
  entryFor,
  grantedScopeMrkdwn,
  isSelfDecision,
  providerNames,
  requesterMrkdwn,
  usageText,
  when,
} from './grant-text.js';
import { LIMITS } from './limits.js';
import { blockTextLength, MESSAGE_TEXT_BUDGET } from './message-budget.js';
import { escapeCode, escapeMrkdwn, escapeWithin, fitMrkdwn, md, plain, quote, truncate } from './mrkdwn.js';
import { quorumSection } from './quorum-text.js';
import { decisionButtons, durationInput, levelInput, notesInput, providerInputs } from './request-inputs.js';

/** Keep the notification text short: it is what phones and screen readers announce. */
const FALLBACK_MAX = 280;

const HEADLINE: Record<GrantStatus, string> = {
  pending: '🔐 Access request',
  approved: '✅ Approved',
  denied: '❌ Denied',
  expired: '⌛ Expired without a decision',
  superseded: '↪️ Replaced by a newer request',
  cancelled: '🚫 Withdrawn by the assistant',
  ended: '⏹️ Access ended',
  revoked: '⛔ Access revoked',
  released: '👋 Access released early',
  consumed: '✔️ Approved call made',
};

export function requestMessage(grant: Grant, ctx: ViewContext): { text: string; blocks: KnownBlock[] } {
  const v = grant.history.length;
  const pending = grant.status === 'pending';
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: blockId('header', v), text: plain(headerText(grant), LIMITS.headerText) },
    summary(grant, ctx, v),
    reasonSection(grant, v),
  ];
  if (grant.kind === 'request') blocks.push(...callSections(grant, ctx, v));
  if (!pending) blocks.push(...outcomeSections(grant, ctx, v));
  const quorum = pending ? quorumSection(grant, v) : null;
  if (quorum) blocks.push(quorum);

  if (pending) {
    const footer = footerBlock(grant, v);
    if (grant.kind === 'broad') {
      // Room left after level, duration, notes, buttons and footer. Beyond it the checkboxes are left out (and
      // the listener, finding none, keeps every provider): a message Slack rejects would help nobody.
      const providers = providerInputs(grant, ctx, v);
      if (providers.length <= LIMITS.messageBlocks - blocks.length - 5) blocks.push(...providers);
      else blocks.push(tooManyProviders(v));
      if (grant.requestedLevel === 'write') blocks.push(levelInput(v));
      blocks.push(durationInput(grant, ctx, v));
    }
    blocks.push(notesInput(v), decisionButtons(grant, ctx, v), footer);
  } else {
    if (grant.status === 'approved' && (grant.expiresAt ?? 0) > ctx.now)
      blocks.push(grantControls(grant, ctx, v));
    blocks.push(footerBlock(grant, v));
  }
  if (grant.kind === 'request') fitCallToBudget(blocks, grant, ctx, v);
  return { text: fallbackText(grant, ctx), blocks };
}

/** Sections a call's URL or body may shrink to when the whole message is over Slack's budget. */
const CALL_MIN_ROOM = 400;

/**
 * A big body, a long URL, a long reason and long notes can each fit their block yet together pass Slack's
 * whole-message limit: then the body, and if need be the URL, are cut further (the consent page has all).
 */
function fitCallToBudget(blocks: KnownBlock[], grant: Grant, ctx: ViewContext, v: number): void {
  const index = (name: string) => blocks.findIndex((b) => b.block_id === blockId(name, v));
  let room = { url: LIMITS.sectionText, body: LIMITS.sectionText };
  for (const part of ['body', 'url'] as const) {
    const over = blockTextLength(blocks) - MESSAGE_TEXT_BUDGET;
    if (over <= 0) return;
    room = { ...room, [part]: Math.max(CALL_MIN_ROOM, room[part] - over) };
    const [call, body] = callSections(grant, ctx, v, room);
    const at = index('call');
    if (at < 0 || !call || !body) return;
    blocks.splice(at, 2, call, body);
  }
}

function tooManyProviders(v: number): KnownBlock {
  const text =
    'Too many providers to choose from here: approving grants all of them. Open in browser to narrow.';
  return { type: 'context', block_id: blockId('providers_note', v), elements: [md(text)] };
}

function headerText(grant: Grant): string {
  const head = HEADLINE[grant.status];
  if (grant.kind === 'request') return `${head}: one ${grant.request?.method ?? 'API'} call (${grant.level})`;
  if (grant.status === 'approved')
    return `${head}: ${grant.level} access for ${formatDuration(grant.durationMs)}`;
  return `${head}: ${grant.level} access`;
}

/** Requester, assistant, access and timing, as two-column fields (each ≤ 2000). */
function summary(grant: Grant, ctx: ViewContext, v: number): SectionBlock {
  const field = (label: string, value: string) =>
    md(truncate(`*${label}*\n${value}`, LIMITS.sectionFieldText));
  const providers = escapeWithin(providerNames(grant.requestedProviders, ctx), 1500);
  // Once decided, these fields are the request; the outcome section says what was granted.
  const asked = grant.status === 'pending' ? '' : ' asked';
  const fields = [
    field('Requested by', requesterMrkdwn(ctx)),
    field('Assistant', escapeWithin(clientLabel(grant.clientName), 200)),
    field(`${grant.kind === 'request' ? 'Provider' : 'Providers'}${asked}`, providers),
    field(`Level${asked}`, grant.requestedLevel === 'write' ? '*write* (can change data)' : 'read'),
    grant.kind === 'broad'
      ? field('Duration asked', formatDuration(grant.requestedDurationMs))
      : field('Usable', `once, within ${formatDuration(grant.durationMs)} of approval`),
  ];
  fields.push(
    grant.status === 'pending'
      ? field('Decide by', when(grant.decideBy))
      : field('Requested', when(grant.createdAt)),
  );
  return { type: 'section', block_id: blockId('summary', v), fields };
}

/** The assistant's reason as a quote: its text, escaped, cut to what one section can hold. */
function reasonSection(grant: Grant, v: number): SectionBlock {
  const label = '*Why the assistant asks*\n';
  const text = grant.reason
    ? label + fitMrkdwn(grant.reason, LIMITS.sectionText - label.length, quote).text
    : `${label}_No reason given._`;
  return { type: 'section', block_id: blockId('reason', v), text: md(text) };
}

/** Method, URL and body of a per-request grant: exactly what the approval allows, cut with a visible note. */
function callSections(
  grant: Grant,
  ctx: ViewContext,
  v: number,
  room: { url: number; body: number } = { url: LIMITS.sectionText, body: LIMITS.sectionText },
): SectionBlock[] {
  const request = grant.request;
  if (!request) return [];
  // The consent page only helps while the request is open; afterwards it shows nothing more.
  const more = (n: number, what: string) =>
    ctx.approvalUrl && grant.status === 'pending'
      ? `\n_(${n} more characters; open in browser for the full ${what})_`
      : `\n_(${n} more characters not shown)_`;
  const url = codeWithin(`*Call* \`${request.method}\`\n`, request.url, (n) => more(n, 'URL'), room.url);
  const body =
    request.body === null
      ? '*Body*\n_None: the call must be sent without a body._'
      : codeWithin('*Body*\n', prettyJson(request.body), (n) => more(n, 'body'), room.body);
  return [
    { type: 'section', block_id: blockId('call', v), text: md(url) },
    { type: 'section', block_id: blockId('body', v), text: md(body) },
  ];
}

/** `label` + a ``` block of `raw` + a note on what was cut, all within `max` (a section's 3000 at most). */
function codeWithin(label: string, raw: string, note: (omitted: number) => string, max: number): string {
  const fence = (inner: string) => `${label}\`\`\`\n${inner}\n\`\`\``;
  const room = Math.min(max, LIMITS.sectionText) - fence('').length;
  const whole = fitMrkdwn(raw, room, escapeCode);
  if (whole.omitted === 0) return fence(whole.text);
  // Reserve room for the note as if everything were cut, so its digits always fit.
  const cut = fitMrkdwn(raw, room - note(raw.length).length, escapeCode);
  return fence(cut.text) + note(cut.omitted);
}

/** Canonical JSON is one line; indent it for people. Anything unparsable is shown as it is. */
function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Who decided, the scope granted and how it ended: one section, plus notes or a reason when given. */
function outcomeSections(grant: Grant, ctx: ViewContext, v: number): SectionBlock[] {
  const lines: string[] = [];
  const by = (status: GrantStatus) => actorMrkdwn(entryFor(grant, status)?.by ?? grant.decidedBy, grant, ctx);
  const at = (status: GrantStatus) => when(entryFor(grant, status)?.at);
  const approvedStates: GrantStatus[] = ['approved', 'ended', 'revoked', 'released', 'consumed'];
  if (approvedStates.includes(grant.status)) {
    const self = isSelfDecision(grant) ? ' (self-approval)' : '';
    lines.push(`*Approved by* ${by('approved')}${self} · ${at('approved')}`);
    lines.push(`*Granted* ${grantedScopeMrkdwn(grant, ctx)}`);
  }
  switch (grant.status) {
    case 'approved':
      lines.push(`*Expires* ${when(grant.expiresAt)} · ${usageText(grant, ctx)}`);
      if (grant.kind === 'request') lines.push('The call can be made once, exactly as shown.');
      break;
    case 'denied':
      lines.push(`*Denied by* ${by('denied')} · ${at('denied')}`);
      break;
    case 'expired':
      lines.push(`*No decision* by ${when(grant.decideBy)}. The assistant was told; it may ask again.`);
      break;
    case 'superseded': {
      const newer = grant.supersededBy ? ` (\`${escapeWithin(grant.supersededBy, 100)}\`)` : '';
      lines.push(
        `*Superseded* · ${at('superseded')}: the assistant sent a newer request${newer}; decide that one instead.`,
      );
      break;
    }
    case 'cancelled':
      lines.push(`*Withdrawn* by the assistant · ${at('cancelled')}`);
      break;
    case 'ended':
      // An approval of a newer session request ends the older one early: say so, not that time ran out.
      lines.push(
        grant.supersededBy
          ? `*Replaced* · ${at('ended')}: a newer approved request (\`${escapeWithin(grant.supersededBy, 100)}\`) took over; ${usageText(grant, ctx)}`
          : `*Ended* · ${at('ended')}: the access time ran out; ${usageText(grant, ctx)}`,
      );
      break;
    case 'revoked':
      lines.push(`*Revoked by* ${by('revoked')} · ${at('revoked')}; ${usageText(grant, ctx)}`);
      break;
    case 'released':
      lines.push(`*Released early* by the assistant · ${at('released')}; ${usageText(grant, ctx)}`);
      break;
    case 'consumed':
      lines.push(`*Call made* · ${at('consumed')}: the single approved call was used.`);
      break;
    default:
      break;
  }
  const sections: SectionBlock[] = [
    {
      type: 'section',
      block_id: blockId('outcome', v),
      text: md(truncate(lines.join('\n'), LIMITS.sectionText)),
    },
  ];
  const notes = notesFor(grant);
  if (notes) {
    const label = `*${notes.label}*\n`;
    const text = label + fitMrkdwn(notes.text, LIMITS.sectionText - label.length, quote).text;
    sections.push({ type: 'section', block_id: blockId('notes_text', v), text: md(text) });
  }
  return sections;
}

/** Approver text worth showing in this state: instructions while access lives, the reason when refused. */
function notesFor(grant: Grant): { label: string; text: string } | null {
  if (grant.status === 'denied' || grant.status === 'revoked') {
    return { label: 'Reason', text: grant.statusReason ?? 'No reason given.' };
  }
  if (grant.instructions && ['approved', 'ended', 'released', 'consumed'].includes(grant.status)) {
    return { label: 'Instructions to the assistant', text: grant.instructions };
  }
  return null;
}

function footerBlock(grant: Grant, v: number): KnownBlock {
  const last = currentEntry(grant);
  const updated = last ? ` · updated ${when(last.at)}` : '';
  const rules = grant.policy
    ? ` · policy rules: ${grant.policy.rules.map(escapeMrkdwn).join(', ') || 'none'}`
    : '';
  return {
    type: 'context',
    block_id: blockId('footer', v),
    elements: [
      md(
        truncate(
          `Request \`${escapeMrkdwn(grant.id)}\` · ${grant.kind === 'broad' ? 'session access' : 'single call'}${rules}${updated}`,
          LIMITS.contextText,
        ),
      ),
    ],
  };
}

/** Plain one-line summary for notifications: escaped, short, with at most a short snippet of agent text. */
function fallbackText(grant: Grant, ctx: ViewContext): string {
  const who = escapeWithin(ctx.requester.email, 80);
  const client = escapeWithin(clientLabel(grant.clientName), 40);
  const what =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to ${escapeWithin(grant.request.url, 60)}`
      : escapeWithin(accessText(grant, ctx), 100);
  const entry = currentEntry(grant);
  const byPerson = entry?.by.type === 'user' ? ` by ${escapeWithin(actorPlain(entry.by, grant), 80)}` : '';
  const text =
    grant.status === 'pending'
      ? `Access request from ${who}: ${client} asks for ${what}${grant.reason ? ` — “${escapeWithin(grant.reason, 60)}”` : ''}`
      : `${HEADLINE[grant.status]}${byPerson}: ${what} for ${client} (${who})`;
  return truncate(text, FALLBACK_MAX);
}
