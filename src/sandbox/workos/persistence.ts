// What the AuthKit stand-in keeps in the sandbox's data folder, so a token and a registration survive a restart.
import { z } from 'zod';
import type { DataFolder } from '../data-folder.js';
import type { SavedSigningKey } from './keys.js';
import type { StandInState } from './state.js';

const KEY_FILE = 'authkit-signing-key.json';
const OAUTH_FILE = 'authkit-oauth.json';
/** Oldest refresh tokens are dropped past this many (a client refreshing for months must not grow the file). */
const MAX_REFRESH_TOKENS = 5_000;

const signingKeySchema = z.object({
  kid: z.string().min(1),
  privateJwk: z.looseObject({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }),
});

const oauthSchema = z.object({
  clients: z.record(
    z.string(),
    z.object({
      redirectUris: z.array(z.string()).min(1),
      clientName: z.string().nullable(),
      issuedAt: z.number(),
    }),
  ),
  refreshTokens: z.record(
    z.string(),
    z.object({
      userId: z.string(),
      sid: z.string(),
      organizationId: z.string().nullable(),
      clientId: z.string(),
      kind: z.enum(['session', 'oauth']),
      resource: z.string().nullable(),
      scope: z.string(),
    }),
  ),
});

export function loadSigningKey(folder: DataFolder): SavedSigningKey | null {
  return folder.read(KEY_FILE, signingKeySchema);
}

export function saveSigningKey(folder: DataFolder, key: SavedSigningKey): void {
  folder.write(KEY_FILE, key);
}

/** Restores registrations and refresh tokens into `state`, then writes them back on every change. */
export function persistOAuthState(folder: DataFolder, state: StandInState): void {
  const saved = folder.read(OAUTH_FILE, oauthSchema);
  for (const [id, client] of Object.entries(saved?.clients ?? {})) state.oauthClients.set(id, client);
  for (const [token, grant] of Object.entries(saved?.refreshTokens ?? {}))
    state.refreshTokens.set(token, grant);
  state.onOAuthChange = () => {
    while (state.refreshTokens.size > MAX_REFRESH_TOKENS) {
      state.refreshTokens.delete(state.refreshTokens.keys().next().value as string);
    }
    folder.write(OAUTH_FILE, {
      clients: Object.fromEntries(state.oauthClients),
      refreshTokens: Object.fromEntries(state.refreshTokens),
    });
  };
}
