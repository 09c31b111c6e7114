// The bot token's OAuth scopes and which scope each Web API method needs, so a scope missing from manifest.yml
// fails in tests as it would in Slack (`missing_scope` with `needed` and `provided`).
import { ApiError } from './api-args.js';
import { repoManifest } from './manifest.js';
import type { SlackChannel } from './types.js';

/** What manifest.yml grants the bot: read from the repo's manifest, so the stand-in grants exactly that. */
export const SANDBOX_BOT_SCOPES: readonly string[] = repoManifest().botScopes;

/** Scopes a method accepts (any one of them will do); methods not listed need none. */
const METHOD_SCOPES: Record<string, readonly string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  // The kind opened decides which of these it really needs: see requireOpenScope.
  'conversations.open': ['channels:manage', 'groups:write', 'im:write', 'mpim:write'],
  'conversations.info': ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
};

/** conversations.* read scopes depend on the kind of conversation. */
const HISTORY_SCOPE: Record<SlackChannel['kind'], string> = {
  channel: 'channels:history',
  im: 'im:history',
  mpim: 'mpim:history',
};

function requireAny(granted: ReadonlySet<string>, needed: readonly string[]): void {
  if (needed.some((scope) => granted.has(scope))) return;
  throw new ApiError('missing_scope', { needed: needed.join(','), provided: [...granted].join(',') });
}

export function requireMethodScope(granted: ReadonlySet<string>, method: string): void {
  const needed = METHOD_SCOPES[method];
  if (needed) requireAny(granted, needed);
}

export function requireHistoryScope(granted: ReadonlySet<string>, channel: SlackChannel): void {
  requireAny(granted, [HISTORY_SCOPE[channel.kind]]);
}

/** A bot token opens a DM with im:write and a group DM with mpim:write; the other kind's scope does not do. */
export function requireOpenScope(granted: ReadonlySet<string>, channel: SlackChannel): void {
  if (channel.kind === 'im') requireAny(granted, ['im:write']);
  else if (channel.kind === 'mpim') requireAny(granted, ['mpim:write']);
}
