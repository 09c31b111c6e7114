// The sandbox directory: one organization, five people with fixed roles, and who has connected what.

export interface SandboxOrganization {
  id: string;
  name: string;
}

export interface SandboxPerson {
  /** Short handle used in tests and on the sign-in page. */
  key: 'alice' | 'bob' | 'carol' | 'mallory' | 'dana';
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  organizationId: string | null;
  /**
   * What the person is for in scenarios: asks for access, approves it, has no business doing either, or runs
   * the app (sees everything, revokes, gets the setup DMs).
   */
  role: 'requester' | 'approver' | 'stranger' | 'admin';
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

// The admin (ADMINS in the sandbox): App Home shows her every grant and the audit; she is not an approver.
export const DANA: SandboxPerson = {
  key: 'dana',
  id: 'user_dana',
  email: 'dana@sandbox.test',
  firstName: 'Dana',
  lastName: 'Dahl',
  organizationId: SANDBOX_ORGANIZATION.id,
  role: 'admin',
};

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [ALICE, BOB, CAROL, MALLORY, DANA];

/** ADMINS for sandbox mode: Dana's Slack user id (see slackUserIdOf). */
export const SANDBOX_ADMIN_SLACK_IDS: readonly string[] = ['U0DANA'];

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
