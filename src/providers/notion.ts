// Notion: REST under /v1/; GETs read, and so do the few POST endpoints that only search or query.
import type { Level } from '../grants/types.js';
import type { Provider, ProviderCall } from './types.js';
import { originOf } from './url.js';

// Ids are UUIDs (with or without dashes); anything with `%` or `.` is refused so that an encoded
// `/` or `..` cannot dress a write endpoint up as a query.
const ID = '[A-Za-z0-9-]+';
const READ_POSTS = [
  /^\/v1\/search$/,
  new RegExp(`^/v1/data_sources/${ID}/query$`),
  // Superseded by data sources in API version 2025-09-03, kept for older integrations.
  new RegExp(`^/v1/databases/${ID}/query$`),
];

export function createNotionProvider(baseUrl: string, version: string): Provider {
  const origin = originOf(baseUrl);
  return {
    id: 'notion',
    displayName: 'Notion',
    origin,
    instructions: [
      `Base URL ${origin}/v1; the Notion-Version header (${version}) is added automatically.`,
      'Databases hold data sources: query rows with POST /v1/data_sources/{id}/query (read),',
      'find pages and data sources with POST /v1/search (read), read GET /v1/pages/{id} and',
      'GET /v1/blocks/{id}/children. Creating or changing anything needs write access.',
    ].join(' '),
    matchesPath: (url) => url.pathname.startsWith('/v1/'),
    requiredLevel: ({ method, url }: ProviderCall): Level => {
      const verb = method.toUpperCase();
      if (verb === 'GET') return 'read';
      if (verb === 'POST' && READ_POSTS.some((pattern) => pattern.test(url.pathname))) return 'read';
      return 'write';
    },
    headers: () => ({ 'Notion-Version': version, 'Content-Type': 'application/json' }),
  };
}
