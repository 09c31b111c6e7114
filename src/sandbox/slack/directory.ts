// The sandbox Slack workspace: the sandbox people as Slack users, the bot, a user group and two channels.
import { SANDBOX_PEOPLE, type SandboxPerson } from '../people.js';
import type { SlackBotIdentity, SlackUser, SlackUsergroup } from './types.js';

export const SANDBOX_SLACK_TEAM = { id: 'T0SANDBOX', domain: 'sandbox', name: 'Sandbox' } as const;

/** U0ALICE, U0BOB, U0CAROL, U0MALLORY: fixed so tests and docs can name them. */
export const slackUserIdOf = (person: Pick<SandboxPerson, 'key'>): string => `U0${person.key.toUpperCase()}`;

export const SANDBOX_SLACK_USERS: readonly SlackUser[] = SANDBOX_PEOPLE.map((p) => ({
  id: slackUserIdOf(p),
  name: p.key,
  real_name: `${p.firstName} ${p.lastName}`,
  email: p.email,
  is_bot: false,
  deleted: false,
  title: p.role,
}));

export const SANDBOX_SLACK_BOT: SlackBotIdentity = {
  userId: 'U0COUNTERSIGN',
  botId: 'B0COUNTERSIGN',
  appId: 'A0COUNTERSIGN',
  name: 'countersign',
};

export const SANDBOX_SLACK_USERGROUPS: readonly SlackUsergroup[] = [
  { id: 'S0APPROVERS', handle: 'approvers', users: [slackUserIdOf({ key: 'bob' })] },
  // The data team of policy.sandbox.yml: Snowflake writes need two of them.
  {
    id: 'S0DATATEAM',
    handle: 'data-team',
    users: [slackUserIdOf({ key: 'bob' }), slackUserIdOf({ key: 'carol' })],
  },
];

export const SANDBOX_SLACK_CHANNELS: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'C0GENERAL', name: 'general' },
  { id: 'C0APPROVALS', name: 'access-approvals' },
];
