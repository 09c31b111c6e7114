// In-memory state of the WorkOS stand-in: directory, Pipes connections, one-time codes and issued tokens.
import { randomBytes } from 'node:crypto';
import {
  type ConnectionMap,
  type ConnectionState,
  SANDBOX_ORGANIZATION,
  SANDBOX_PEOPLE,
  type SandboxOrganization,
  type SandboxPerson,
} from '../people.js';

/** A Pipes data integration as the stand-in's WorkOS environment has it configured. */
export interface DataIntegration {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  scopes: string[] | null;
}

// Our three registry providers plus one (GitHub) that Countersign does not know, as a real environment may have.
export const DATA_INTEGRATIONS: readonly DataIntegration[] = [
  {
    id: 'data_integration_linear',
    slug: 'linear',
    name: 'Linear',
    description: 'Issues and projects.',
    scopes: ['read', 'write'],
  },
  {
    id: 'data_integration_notion',
    slug: 'notion',
    name: 'Notion',
    description: 'Pages and databases.',
    scopes: null,
  },
  {
    id: 'data_integration_snowflake',
    slug: 'snowflake',
    name: 'Snowflake',
    description: 'SQL warehouse.',
    scopes: ['session:role-any'],
  },
  {
    id: 'data_integration_github',
    slug: 'github',
    name: 'GitHub',
    description: 'Repositories.',
    scopes: ['repo', 'user:email'],
  },
];

export interface IssuedProviderToken {
  provider: string;
  userId: string;
  organizationId: string | null;
  /** Epoch ms, or null when issued without expiry. */
  expiresAt: number | null;
}

export interface ProviderTokenOwner {
  provider: string;
  userId: string;
}

/** Answers "did the stand-in issue this bearer token, and for whom?"; null when not (or no longer) valid. */
export type ProviderTokenLookup = (token: string) => ProviderTokenOwner | null;

export interface PendingCode {
  userId: string;
  organizationId: string | null;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  /** RFC 8707 resource asked for by an OAuth (MCP) client; becomes the token audience. */
  resource: string | null;
  scope: string;
  expiresAt: number;
}

/** A client registered through dynamic client registration (RFC 7591): a public client, PKCE only. */
export interface RegisteredClient {
  redirectUris: string[];
  clientName: string | null;
  /** Epoch seconds. */
  issuedAt: number;
}

export interface RefreshGrant {
  userId: string;
  sid: string;
  organizationId: string | null;
  clientId: string;
  kind: 'session' | 'oauth';
  resource: string | null;
  scope: string;
}

const FIXED_TIME = '2026-01-15T12:00:00.000Z';
const LOG_LIMIT = 50_000;

export class StandInState {
  readonly people = new Map<string, SandboxPerson>();
  readonly organizations = new Map<string, SandboxOrganization>();
  readonly connections = new Map<string, Map<string, ConnectionState>>();
  readonly codes = new Map<string, PendingCode>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Codes already exchanged → the refresh token they gave, until the code would have expired. */
  readonly spentCodes = new Map<string, string>();
  private readonly spentCodeExpiry = new Map<string, number>();
  readonly providerTokens = new Map<string, IssuedProviderToken>();
  /** OAuth clients registered through dynamic client registration, by client id. */
  readonly oauthClients = new Map<string, RegisteredClient>();
  /** Called after a registration or a refresh token changes, so they can be kept across restarts. */
  onOAuthChange: () => void = () => undefined;
  readonly log: Array<{ method: string; path: string }> = [];
  outage = false;

  constructor(
    people?: readonly SandboxPerson[],
    organizations?: readonly SandboxOrganization[],
    connections?: ConnectionMap,
  ) {
    for (const person of people ?? SANDBOX_PEOPLE) this.people.set(person.id, person);
    for (const org of organizations ?? [SANDBOX_ORGANIZATION]) this.organizations.set(org.id, org);
    for (const [userId, byProvider] of Object.entries(connections ?? {})) {
      for (const [provider, state] of Object.entries(byProvider)) this.setConnection(userId, provider, state);
    }
  }

  /** Remembers an exchanged code for its lifetime, so a replay can be told from garbage and revoke what it gave. */
  rememberSpentCode(code: string, refreshToken: string, until: number): void {
    const now = Date.now();
    for (const [spent, expiry] of this.spentCodeExpiry) {
      if (expiry > now) break;
      this.spentCodeExpiry.delete(spent);
      this.spentCodes.delete(spent);
    }
    this.spentCodes.set(code, refreshToken);
    this.spentCodeExpiry.set(code, until);
  }

  record(method: string, path: string): void {
    // Benchmarks hit the stand-in for minutes; keep the newest entries, never grow without bound.
    if (this.log.length >= LOG_LIMIT) this.log.splice(0, LOG_LIMIT / 2);
    this.log.push({ method, path });
  }

  personByEmail(email: string): SandboxPerson | undefined {
    const wanted = email.trim().toLowerCase();
    for (const person of this.people.values()) if (person.email.toLowerCase() === wanted) return person;
    return undefined;
  }

  connection(userId: string, provider: string): ConnectionState | null {
    return this.connections.get(userId)?.get(provider) ?? null;
  }

  /** Changes a connection; anything but `connected` also revokes the provider tokens issued for it. */
  setConnection(userId: string, provider: string, state: ConnectionState | null): void {
    let byProvider = this.connections.get(userId);
    if (state === null) byProvider?.delete(provider);
    else {
      if (!byProvider) {
        byProvider = new Map();
        this.connections.set(userId, byProvider);
      }
      byProvider.set(provider, state);
    }
    if (state !== 'connected') {
      for (const [token, issued] of this.providerTokens) {
        if (issued.userId === userId && issued.provider === provider) this.providerTokens.delete(token);
      }
    }
  }

  issueProviderToken(
    provider: string,
    userId: string,
    organizationId: string | null,
    ttlMs: number | null,
  ): IssuedProviderToken & { token: string } {
    const now = Date.now();
    if (this.providerTokens.size > 10_000) {
      for (const [t, issued] of this.providerTokens)
        if (issued.expiresAt !== null && issued.expiresAt <= now) this.providerTokens.delete(t);
    }
    const token = `sandbox_${provider}_${randomBytes(18).toString('base64url')}`;
    const issued = { provider, userId, organizationId, expiresAt: ttlMs === null ? null : now + ttlMs };
    this.providerTokens.set(token, issued);
    return { token, ...issued };
  }

  readonly lookupProviderToken: ProviderTokenLookup = (token) => {
    const issued = this.providerTokens.get(token);
    if (!issued) return null;
    if (issued.expiresAt !== null && issued.expiresAt <= Date.now()) return null;
    return { provider: issued.provider, userId: issued.userId };
  };
}

/** WorkOS-style id: prefix plus 26 upper-case base-32-ish characters, like a ULID. */
export function randomId(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(26);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % 32];
  return `${prefix}_${id}`;
}

/** W4 user object. `external_id` and `locale` are always sent (null): the SDK's deserializer expects them. */
export function userJson(person: SandboxPerson) {
  return {
    object: 'user',
    id: person.id,
    email: person.email,
    email_verified: true,
    first_name: person.firstName,
    last_name: person.lastName,
    profile_picture_url: null,
    last_sign_in_at: FIXED_TIME,
    locale: null,
    external_id: null,
    metadata: {},
    created_at: FIXED_TIME,
    updated_at: FIXED_TIME,
  };
}

/** W7.2 list item, with the deprecated camelCase duplicates the spec still marks required. */
export function dataProviderJson(
  integration: DataIntegration,
  userId: string,
  organizationId: string | null,
  state: ConnectionState | null,
) {
  return {
    object: 'data_provider',
    id: integration.id,
    name: integration.name,
    description: integration.description,
    slug: integration.slug,
    integration_type: integration.slug,
    credentials_type: 'oauth2',
    scopes: integration.scopes,
    ownership: 'userland_user',
    created_at: FIXED_TIME,
    updated_at: FIXED_TIME,
    integrationType: integration.slug,
    credentialsType: 'oauth2',
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    connected_account:
      state === null
        ? null
        : {
            object: 'connected_account',
            id: `data_installation_${integration.slug}_${userId}`,
            user_id: userId,
            organization_id: organizationId,
            scopes: integration.scopes ?? [],
            state,
            created_at: FIXED_TIME,
            updated_at: FIXED_TIME,
            userlandUserId: userId,
            organizationId,
            createdAt: FIXED_TIME,
            updatedAt: FIXED_TIME,
          },
  };
}
