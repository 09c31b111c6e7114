// Who is calling: the verified bearer token's user, AuthKit session and organization.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { SessionIdentity } from '../grants/types.js';

export interface CallerIdentity extends SessionIdentity {
  name: string | null;
}

/** The auth middleware always sets these; a missing one is a programming error, not a client fault. */
export function callerFrom(authInfo: AuthInfo | undefined): CallerIdentity {
  const extra = authInfo?.extra as Partial<CallerIdentity> | undefined;
  if (!extra?.userId || !extra.sid || !extra.userEmail) {
    throw new Error('authentication context missing from MCP request');
  }
  return {
    sid: extra.sid,
    organizationId: extra.organizationId ?? null,
    userId: extra.userId,
    userEmail: extra.userEmail,
    name: extra.name ?? null,
  };
}
