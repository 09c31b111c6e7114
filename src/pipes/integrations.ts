// Which providers a user has connected in WorkOS Pipes, and the link that connects one (raw API: no SDK method).
import type { WorkOS } from '@workos-inc/node';
import { describeError, PipesUnavailableError } from './errors.js';

export type IntegrationStatus = 'connected' | 'needs_reauthorization' | 'disconnected' | 'not_connected';

export interface Integration {
  slug: string;
  name: string;
  status: IntegrationStatus;
  connected: boolean;
  /** Scopes granted on the connection, else the integration's configured scopes. */
  scopes: string[];
}

/** Only the raw HTTP helpers of the SDK, so tests can hand in a fake. */
export type WorkosHttp = Pick<WorkOS, 'get' | 'post'>;

interface DataProviderItem {
  slug?: unknown;
  name?: unknown;
  scopes?: unknown;
  connected_account?: { state?: unknown; scopes?: unknown } | null;
}

/** Every integration configured in WorkOS with this user's connection state (W7.2). */
export async function listIntegrations(
  workos: WorkosHttp,
  userId: string,
  organizationId: string | null,
): Promise<Integration[]> {
  let data: { data?: unknown };
  try {
    ({ data } = await workos.get(`user_management/users/${encodeURIComponent(userId)}/data_providers`, {
      // The SDK drops null and undefined query values, so an org-less user sends no organization_id.
      query: { organization_id: organizationId },
    }));
  } catch (error) {
    throw new PipesUnavailableError(undefined, describeError(error));
  }
  if (!Array.isArray(data?.data))
    throw new PipesUnavailableError(undefined, 'data_providers: unexpected shape');
  return data.data.flatMap((item: DataProviderItem) => {
    if (typeof item?.slug !== 'string') return [];
    const status = toStatus(item.connected_account?.state);
    return [
      {
        slug: item.slug,
        name: typeof item.name === 'string' ? item.name : item.slug,
        status,
        connected: status === 'connected',
        scopes: strings(item.connected_account?.scopes) ?? strings(item.scopes) ?? [],
      },
    ];
  });
}

/**
 * The WorkOS page where the user connects `slug` (W7.3). Callers pass registry slugs only; the slug is
 * still escaped so a stray value can never reach another WorkOS endpoint with our API key.
 */
export async function connectUrl(
  workos: WorkosHttp,
  slug: string,
  userId: string,
  organizationId: string | null,
  returnTo?: string,
): Promise<string> {
  let data: { url?: unknown };
  try {
    ({ data } = await workos.post(`data-integrations/${encodeURIComponent(slug)}/authorize`, {
      user_id: userId,
      ...(organizationId ? { organization_id: organizationId } : {}),
      ...(returnTo ? { return_to: returnTo } : {}),
    }));
  } catch (error) {
    throw new PipesUnavailableError(slug, describeError(error));
  }
  const url = typeof data?.url === 'string' ? data.url : '';
  if (!/^https?:\/\//i.test(url)) throw new PipesUnavailableError(slug, 'authorize: no URL in the answer');
  return url;
}

function toStatus(state: unknown): IntegrationStatus {
  return state === 'connected' || state === 'needs_reauthorization' || state === 'disconnected'
    ? state
    : 'not_connected';
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
}
