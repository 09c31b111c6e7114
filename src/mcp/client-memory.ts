// What a client said about itself (name, URL elicitation), kept with the session: stateless requests cannot repeat it.
import type { GrantStore } from '../grants/store-api.js';
import type { CallerIdentity } from './identity.js';

export interface ClientDeclaration {
  name: string | null;
  /** Only 2025-era clients need it remembered: 2026-07-28 ones send their capabilities with every request. */
  urlElicitation?: boolean;
}

export async function rememberClient(
  store: GrantStore,
  caller: CallerIdentity,
  client: ClientDeclaration,
): Promise<void> {
  await store.touchSession(caller, client.name?.slice(0, 100) ?? null);
  if (client.urlElicitation !== undefined)
    await store.setSessionClientField(caller, 'clientUrlElicitation', client.urlElicitation ? '1' : '0');
}
