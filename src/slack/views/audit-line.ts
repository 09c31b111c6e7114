// One compact line in the audit channel per lifecycle event, linking to the grant's message.
import type { KnownBlock } from '@slack/types';
import { GRANT_STATUSES, type Grant, type GrantStatus } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import { blockId, type ViewContext } from '../ids.js';
import {
  actorMrkdwn,
  actorPlain,
  clientLabel,
  currentEntry,
  entryFor,
  grantedScopeMrkdwn,
  isSelfDecision,
  providerNames,
  usesText,
  when,
} from './grant-text.js';
import { escapeMrkdwn, escapeWithin, isSlackUserId, md, truncate } from './mrkdwn.js';

/** Extra facts an audit line may carry besides the view context. */
export interface AuditContext extends ViewContext {
  /** Link to the grant's Slack message (chat.getPermalink). */
  permalink?: string | null;
  /** Slack user behind a refused click (the decider of other events comes from the grant). */
  clickedBy?: string | null;
  /** Why a click was refused, or any other short detail worth keeping. */
  detail?: string | null;
}

const ICON: Record<string, string> = {
  requested: '🔐',
  approved: '✅',
  denied: '❌',
  expired: '⌛',
  superseded: '↪️',
  cancelled: '🚫',
  revoked: '⛔',
  released: '👋',
  ended: '⏹️',
  consumed: '✔️',
  extended: '⏩',
  refused: '🛑',
};

/** Audit lines stay one glance long; the grant's message holds the rest. */
const LINE_MAX = 1200;
/** Longer permalinks are not Slack's; skipping them keeps the line within the context text limit. */
const PERMALINK_MAX = 1500;

export function auditLine(
  eventType: string,
  grant: Grant,
  ctx: AuditContext,
): { text: string; blocks: KnownBlock[] } {
  const event = normalizeEvent(eventType);
  const requester = isSlackUserId(ctx.requester.slackUserId)
    ? `<@${ctx.requester.slackUserId}>`
    : escapeWithin(ctx.requester.email, 200);
  const client = escapeWithin(clientLabel(grant.clientName), 60);
  // The entry of this event, not the newest one: a line may be written after the grant moved on.
  const status = event === 'requested' ? 'pending' : event;
  const entry = (GRANT_STATUSES as readonly string[]).includes(status)
    ? entryFor(grant, status as GrantStatus)
    : currentEntry(grant);
  const actor = actorMrkdwn(entry?.by, grant, ctx);
  const asked =
    grant.kind === 'request' && grant.request
      ? `one ${grant.request.method} call to \`${escapeWithin(grant.request.url, 120)}\``
      : `${grant.requestedLevel} on ${escapeWithin(providerNames(grant.requestedProviders, ctx), 300)} for ${formatDuration(grant.requestedDurationMs)}`;

  const what = describe(event, { grant, ctx, requester, client, actor, asked });
  const id = `\`${escapeWithin(grant.id, 100)}\``;
  const link = permalinkText(ctx.permalink);
  const line = truncate(`${ICON[event] ?? '•'} *${escapeMrkdwn(event)}* · ${what} · ${id}`, LINE_MAX) + link;
  const plainText = `${event}: ${grant.id} (${escapeWithin(actorPlain(entry?.by, grant), 80)})`;
  return {
    text: truncate(plainText, 300),
    blocks: [
      { type: 'context', block_id: blockId(`audit_${event}`, grant.history.length), elements: [md(line)] },
    ],
  };
}

interface Parts {
  grant: Grant;
  ctx: AuditContext;
  requester: string;
  client: string;
  actor: string;
  asked: string;
}

function describe(event: string, p: Parts): string {
  const { grant, ctx, requester, client, actor, asked } = p;
  const reason = (text: string | null | undefined) => (text ? `: “${escapeWithin(text, 200)}”` : '');
  switch (event) {
    case 'requested':
      return `${client} for ${requester} asks for ${asked}, decide by ${when(grant.decideBy)}`;
    case 'approved': {
      const self = isSelfDecision(grant) ? ' (self-approval)' : '';
      return `${actor}${self} approved ${grantedScopeMrkdwn(grant, ctx)} for ${requester} (${client}), until ${when(grant.expiresAt)}`;
    }
    case 'denied':
      return `${actor} denied ${asked} for ${requester} (${client})${reason(grant.statusReason)}`;
    case 'expired':
      return `no decision on ${asked} for ${requester} (${client})`;
    case 'superseded':
      return `${requester}'s request for ${asked} was replaced by a newer one${grant.supersededBy ? ` (\`${escapeWithin(grant.supersededBy, 100)}\`)` : ''}`;
    case 'cancelled':
      return `${client} withdrew its request for ${asked} for ${requester}`;
    case 'revoked':
      return `${actor} revoked ${requester}'s access (${usesText(grant.uses)})${reason(grant.statusReason)}`;
    case 'released':
      return `${client} released ${requester}'s access early (${usesText(grant.uses)})`;
    case 'ended':
      return grant.supersededBy
        ? `${requester}'s access was replaced by a newer approved request (\`${escapeWithin(grant.supersededBy, 100)}\`, ${usesText(grant.uses)})`
        : `${requester}'s access ran out (${usesText(grant.uses)})`;
    case 'consumed':
      return `${client} made the approved call for ${requester}`;
    case 'extended': {
      const who = isSlackUserId(ctx.clickedBy) ? `<@${ctx.clickedBy}>` : actor;
      const until =
        ctx.detail && !Number.isNaN(Date.parse(ctx.detail)) ? Date.parse(ctx.detail) : grant.expiresAt;
      return `${who} extended ${requester}'s access (${client}) until ${when(until)}`;
    }
    case 'refused': {
      const who = isSlackUserId(ctx.clickedBy) ? `<@${ctx.clickedBy}>` : 'someone';
      return `${who} was refused on ${requester}'s request for ${asked}${reason(ctx.detail)}`;
    }
    default:
      return `${requester}'s request for ${asked}${reason(ctx.detail)}`;
  }
}

/** "refused_click", "refused-click", "Approved" → one of our event names ("refused", "approved"). */
function normalizeEvent(eventType: string): string {
  const event = eventType
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (event.startsWith('refused')) return 'refused';
  return event.slice(0, 40) || 'event';
}

/** A permalink as a Slack link, only when it is a plain https URL (a `|` or `>` would break the sequence). */
function permalinkText(permalink: string | null | undefined): string {
  if (!permalink || permalink.length > PERMALINK_MAX || !/^https:\/\/[^\s|<>]+$/.test(permalink)) return '';
  return ` · <${permalink.replace(/&/g, '&amp;')}|open message>`;
}
