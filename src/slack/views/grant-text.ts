// Phrases every Slack view shares: who did what, when, the assistant's name and the scope of a grant.
import type { Actor, Grant, GrantStatus, HistoryEntry } from '../../grants/types.js';
import { formatDuration } from '../../lib/duration.js';
import type { ViewContext } from '../ids.js';
import { escapeMrkdwn, escapeWithin, isSlackUserId, mention, slackDate } from './mrkdwn.js';

/** Words shown in capitals when a client id is turned into a name ("mcp-inspector" → "MCP Inspector"). */
const UPPER_WORDS = new Set(['mcp', 'ai', 'ide', 'cli', 'api', 'vs', 'ui']);
const MAX_CLIENT_NAME = 60;

/**
 * The MCP client's name for people ("claude-code" → "Claude Code", missing → "An AI assistant"). Raw: the
 * client chose it, so escape it for mrkdwn or put it in plain_text.
 */
export function clientLabel(clientName: string | null | undefined): string {
  // Control characters (newlines included) would break our one-line layouts.
  const cleaned = (clientName ?? '').replace(/\p{Cc}/gu, ' ').trim();
  if (!cleaned) return 'An AI assistant';
  const words = cleaned.split(/[-_\s]+/).filter(Boolean);
  const name = words
    .map((w) => (UPPER_WORDS.has(w.toLowerCase()) ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
  return name.length > MAX_CLIENT_NAME ? `${name.slice(0, MAX_CLIENT_NAME - 1)}…` : name;
}

/** Display names of the given providers, in order, raw ("Linear, Notion"). */
export function providerNames(providers: readonly string[], ctx: Pick<ViewContext, 'providerNames'>): string {
  if (providers.length === 0) return 'no providers';
  return providers.map((p) => ctx.providerNames[p] ?? p).join(', ');
}

/** "write access to Linear, Notion" (raw). */
export const accessText = (grant: Grant, ctx: Pick<ViewContext, 'providerNames'>): string =>
  `${grant.level} access to ${providerNames(grant.providers, ctx)}`;

/** The latest history entry with the given status: who and when for that step. */
export function entryFor(grant: Grant, status: GrantStatus): HistoryEntry | undefined {
  for (let i = grant.history.length - 1; i >= 0; i--) {
    const entry = grant.history[i];
    if (entry?.status === status) return entry;
  }
  return undefined;
}

/** The entry that put the grant in its current status (falls back to the newest one). */
export const currentEntry = (grant: Grant): HistoryEntry | undefined =>
  entryFor(grant, grant.status) ?? grant.history[grant.history.length - 1];

/**
 * Who did it, as escaped mrkdwn: a Slack mention when we know their Slack id (a Slack actor's own id, or the
 * decider's id resolved by the caller), else their email or name; assistants and the clock get words.
 */
export function actorMrkdwn(actor: Actor | null | undefined, grant: Grant, ctx: ViewContext): string {
  if (!actor) return 'someone';
  if (actor.type === 'assistant') return `the assistant (${escapeMrkdwn(clientLabel(grant.clientName))})`;
  if (actor.type === 'system') return SYSTEM_WORDS[actor.id] ?? 'Countersign';
  if (actor.via === 'slack' && isSlackUserId(actor.id)) return `<@${actor.id}>`;
  const isDecider = grant.decidedBy !== null && sameActor(actor, grant.decidedBy);
  const label = escapeWithin(actor.email ?? actor.name ?? actor.id, 200);
  if (isDecider && isSlackUserId(ctx.deciderSlackUserId)) return mention(ctx.deciderSlackUserId, label);
  return label;
}

/** Who did it, raw (escape before use): for notification texts, where a mention would ping twice. */
export function actorPlain(actor: Actor | null | undefined, grant: Grant): string {
  if (!actor) return 'someone';
  if (actor.type === 'assistant') return `the assistant (${clientLabel(grant.clientName)})`;
  if (actor.type === 'system') return SYSTEM_WORDS[actor.id] ?? 'Countersign';
  return actor.email ?? actor.name ?? actor.id;
}

const SYSTEM_WORDS: Record<string, string> = {
  'decision-window': 'the clock (no decision in time)',
  'access-duration': 'the clock (access time ran out)',
  'newer-request': 'a newer request',
};

/** The requester as mrkdwn: "<@U1> (alice@example.com)" when we know their Slack id, else the email. */
export function requesterMrkdwn(ctx: ViewContext): string {
  const email = escapeWithin(ctx.requester.email, 300);
  return isSlackUserId(ctx.requester.slackUserId)
    ? `${mention(ctx.requester.slackUserId, email)} (${email})`
    : email;
}

/** True when the person who approved is the requester themselves (a self-approval). */
export function isSelfDecision(grant: Grant): boolean {
  const by = grant.decidedBy;
  return by?.type === 'user' && (by.email === grant.owner.userEmail || by.id === grant.owner.userId);
}

/** "write on Linear, Notion for 30 minutes" plus what was asked when the approver narrowed it (mrkdwn). */
export function grantedScopeMrkdwn(grant: Grant, ctx: ViewContext): string {
  if (grant.kind === 'request') return `one ${grant.request?.method ?? 'API'} call (${grant.level})`;
  const scope = `*${grant.level}* on ${escapeWithin(providerNames(grant.providers, ctx), 1000)} for ${formatDuration(grant.durationMs)}`;
  const narrowed =
    grant.level !== grant.requestedLevel ||
    grant.providers.length !== grant.requestedProviders.length ||
    grant.durationMs < grant.requestedDurationMs;
  if (!narrowed) return scope;
  const asked = `${grant.requestedLevel} on ${providerNames(grant.requestedProviders, ctx)} for ${formatDuration(grant.requestedDurationMs)}`;
  return `${scope} _(asked: ${escapeWithin(asked, 600)})_`;
}

/** "Nov 14 at 10:13 PM", localised by Slack. */
export const when = (epochMs: number | null | undefined): string =>
  typeof epochMs === 'number' ? slackDate(epochMs) : 'an unknown time';

/** "12 s ago", "3 min ago", "2 h ago": for ephemeral notices, which are read at once. */
export function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** "14 calls: 13 × 2xx, 1 × 4xx; last <date>" when outcomes are known, else "used 14 times" / "not used". */
export function usageText(grant: Grant, ctx: Pick<ViewContext, 'usage'>): string {
  const usage = ctx.usage;
  const classes = Object.entries(usage?.byClass ?? {})
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  if (!usage || usage.calls === 0 || classes.length === 0) return usesText(grant.uses);
  const calls = `${usage.calls} call${usage.calls === 1 ? '' : 's'}`;
  const split = classes.map(([name, n]) => `${n} × ${name}`).join(', ');
  const last = usage.lastAt === null ? '' : `; last ${slackDate(usage.lastAt, '{time}')}`;
  return `${calls}: ${split}${last}`;
}

/** "used 3 times" / "not used". */
export const usesText = (uses: number): string =>
  uses === 0 ? 'not used' : `used ${uses} time${uses === 1 ? '' : 's'}`;

function sameActor(a: Actor, b: Actor): boolean {
  return a.type === b.type && a.id === b.id && a.via === b.via;
}
