// Linear: one GraphQL endpoint; a call writes when any GraphQL document it carries is a mutation.
import type { Level } from '../grants/types.js';
import { graphqlContainsMutation } from './graphql.js';
import type { Provider, ProviderCall } from './types.js';
import { originOf } from './url.js';

export function createLinearProvider(baseUrl: string): Provider {
  const origin = originOf(baseUrl);
  return {
    id: 'linear',
    displayName: 'Linear',
    origin,
    instructions: [
      `POST ${origin}/graphql with {"query": "...", "variables": {...}}.`,
      'Connections return 50 nodes by default; pass `first: N` (and `after` for the next page) to get more.',
      'Queries need read access; mutations need write access.',
    ].join(' '),
    matchesPath: (url) => url.pathname === '/graphql',
    requiredLevel,
    headers: () => ({ 'Content-Type': 'application/json' }),
  };
}

function requiredLevel({ method, url, body }: ProviderCall): Level {
  const verb = method.toUpperCase();
  if (verb !== 'GET' && verb !== 'POST') return 'write';
  // GraphQL-over-HTTP servers read GET documents from the query string; check those on POST too.
  const documents = url.searchParams.getAll('query');
  // A persisted-query reference names a stored document we cannot see, which could be a mutation.
  if (documents.length === 0 && url.searchParams.has('extensions')) return 'write';
  const bodyQuery = isRecord(body) ? body.query : undefined;
  if (verb === 'POST' || bodyQuery !== undefined) {
    if (typeof bodyQuery !== 'string') return 'write';
    documents.push(bodyQuery);
  }
  return documents.some(graphqlContainsMutation) ? 'write' : 'read';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
