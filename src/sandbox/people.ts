// The sandbox directory: one organization, four people with fixed roles, and who has connected what.

export interface SandboxOrganization {
  id: string;
  name: string;
}

export interface SandboxPerson {
  /** Short handle used in tests and on the sign-in page. */
  key: 'alice' | 'bob' | 'carol' | 'mallory';
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  organizationId: string | null;
  /** What the person is for in scenarios: asks for access, approves it, or has no business doing either. */
  role: 'requester' | 'approver' | 'stranger';
}

export type ConnectionState = 'connected' | 'needs_reauthorization' | 'disconnected';

/** Per user id, per provider slug: the connection state Pipes reports. Missing means never connected. */
export type ConnectionMap = Record<string, Record<string, ConnectionState>>;

export const SANDBOX_ORGANIZATION: SandboxOrganization = { id: 'org_sandbox', name: 'Sandbox Inc' };

export const ALICE: SandboxPerson = {
  key: 'alice',
  id: 'user_alice',
  email: 'alice@sandbox.test',
  firstName: 'Alice',
  lastName: 'Anders',
  organizationId: SANDBOX_ORGANIZATION.id,
  role: 'requester',
};

export const BOB: SandboxPerson = {
  key: 'bob',
  id: 'user_bob',
  email: 'bob@sandbox.test',
  firstName: 'Bob',
  lastName: 'Berg',
  organizationId: SANDBOX_ORGANIZATION.id,
  role: 'approver',
};

/** Bob's second on the data team: Snowflake writes need both of them (policy.sandbox.yml). */
export const CAROL: SandboxPerson = {
  key: 'carol',
  id: 'user_carol',
  email: 'carol@sandbox.test',
  firstName: 'Carol',
  lastName: 'Chen',
  organizationId: SANDBOX_ORGANIZATION.id,
  role: 'approver',
};

// Same organization on purpose: being a colleague must not be enough to approve someone's access.
export const MALLORY: SandboxPerson = {
  key: 'mallory',
  id: 'user_mallory',
  email: 'mallory@sandbox.test',
  firstName: 'Mallory',
  lastName: 'Mertens',
  organizationId: SANDBOX_ORGANIZATION.id,
  role: 'stranger',
};

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [ALICE, BOB, CAROL, MALLORY];

/** APPROVER_EMAILS for sandbox mode. */
export const SANDBOX_APPROVER_EMAILS: readonly string[] = [BOB.email];

/**
 * Who starts out connected. Alice has Linear and Notion but not Snowflake, so the connect flow can be
 * tried; Bob has Linear; Mallory has nothing.
 */
export function defaultConnections(): ConnectionMap {
  return {
    [ALICE.id]: { linear: 'connected', notion: 'connected' },
    [BOB.id]: { linear: 'connected' },
  };
}
