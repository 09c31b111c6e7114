// Words for grant facts shared by every page: the client, the people, the providers, the scope.
import type { Actor, Grant, GrantStatus, HistoryEntry } from '../../grants/types.js';

/** Display name for a provider id; the router's `providerNames` dependency, or the id itself. */
export type ProviderNames = (id: string) => string;

const CLIENT_NAME_MAX = 80;

/** "claude-code" → "Claude Code", as the seed shows it; unknown → "An AI assistant". */
export function clientLabel(clientName: string | null): string {
  const name = clientName?.trim().slice(0, CLIENT_NAME_MAX);
  if (!name) return 'An AI assistant';
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}

/** Who did something, as a person reads it: the email when known, then the name, then the raw id. */
export function actorLabel(actor: Actor | null | undefined): string {
  if (!actor) return 'someone';
  if (actor.type === 'system') return 'Countersign';
  if (actor.type === 'assistant') return 'the assistant';
  return actor.email ?? actor.name ?? actor.id;
}

export function providerLabel(id: string, names: ProviderNames): string {
  const name = names(id);
  return name && name !== id ? `${name} (${id})` : id;
}

export function providerList(ids: readonly string[], names: ProviderNames): string {
  return ids.length > 0 ? ids.map((id) => providerLabel(id, names)).join(', ') : 'none';
}

/** The history entry that moved the grant into `status` (the newest one, should it repeat). */
export function entryFor(grant: Grant, status: GrantStatus): HistoryEntry | undefined {
  for (let i = grant.history.length - 1; i >= 0; i--) {
    if (grant.history[i]!.status === status) return grant.history[i];
  }
  return undefined;
}
