// Snowflake SQL API: statements go to /api/v2/statements; a POST reads only when its SQL only reads.
import type { Level } from '../grants/types.js';
import { sqlIsReadOnly } from './sql.js';
import type { Provider, ProviderCall } from './types.js';
import { originOf } from './url.js';

const STATEMENTS = '/api/v2/statements';

/** `accountUrl` is the configured account (https://<account>.snowflakecomputing.com), never the caller's. */
export function createSnowflakeProvider(accountUrl: string): Provider {
  const origin = originOf(accountUrl);
  return {
    id: 'snowflake',
    displayName: 'Snowflake',
    origin,
    instructions: [
      `POST ${origin}${STATEMENTS} with {statement, warehouse?, role?, database?, schema?, timeout?}.`,
      'Always use LIMIT. SELECT, SHOW, DESCRIBE and EXPLAIN need read access; any other statement,',
      'or several statements where one is not a read, needs write access.',
      `Fetch further result partitions with GET ${STATEMENTS}/{statementHandle}?partition=N.`,
    ].join(' '),
    // Segment boundary: /api/v2/statementsX is not the statements API.
    matchesPath: (url) => url.pathname === STATEMENTS || url.pathname.startsWith(`${STATEMENTS}/`),
    requiredLevel: ({ method, url, body }: ProviderCall): Level => {
      const verb = method.toUpperCase();
      if (verb === 'GET') return 'read';
      if (verb !== 'POST' || url.pathname !== STATEMENTS) return 'write';
      const statement =
        typeof body === 'object' && body !== null ? (body as { statement?: unknown }).statement : undefined;
      return typeof statement === 'string' && sqlIsReadOnly(statement) ? 'read' : 'write';
    },
    headers: () => ({
      'X-Snowflake-Authorization-Token-Type': 'OAUTH',
      'Content-Type': 'application/json',
      Accept: 'application/json',
    }),
  };
}
