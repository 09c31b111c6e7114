// The Slack setup as Slack itself sees it: the token works, the scopes manifest.yml asks for were granted,
// every configured channel exists, is not archived and has the bot, the approver and admin groups resolve,
// and (HTTP mode) Slack's signed requests reach us. Each problem is one sentence an admin can act on.
import type { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../config.js';
import { REQUIRED_BOT_SCOPES } from './bot-scopes.js';
import { platformError } from './directory.js';

export interface SetupProblem {
  /** Stable identity of the problem (kind and subject), e.g. `not_in_channel:C0APPROVALS`. */
  key: string;
  message: string;
}

export interface SetupReport {
  /** Epoch ms of the check. */
  at: number;
  problems: SetupProblem[];
}

/** HTTP mode: no signed request this long after start means Slack cannot reach (or verify) /slack/events. */
export const NO_EVENT_AFTER_MS = 5 * 60_000;

export interface SelfCheckInput {
  client: Pick<WebClient, 'auth' | 'conversations' | 'usergroups'>;
  slack: Pick<SlackConfig, 'approvalsChannel' | 'auditChannel' | 'approverGroups' | 'adminGroups'>;
  /** HTTP mode only (null in Socket Mode): when we started, and the last signed request from Slack. */
  events: { startedAt: number; lastEventAt: number | null } | null;
  now: number;
  noEventAfterMs?: number;
}

const reason = (error: unknown) =>
  platformError(error) ?? ((error as Error)?.message || 'failed').slice(0, 120);

export async function slackSelfCheck(input: SelfCheckInput): Promise<SetupReport> {
  const problems: SetupProblem[] = [];
  const add = (key: string, message: string) => problems.push({ key, message });
  const report = () => ({ at: input.now, problems });
  const { client, slack } = input;

  let botName = 'the app';
  try {
    const me = await client.auth.test();
    if (me.user) botName = `@${me.user}`;
    const granted = me.response_metadata?.scopes;
    const missing = granted ? REQUIRED_BOT_SCOPES.filter((s) => !granted.includes(s)) : [];
    if (missing.length > 0)
      add(
        `missing_scopes:${missing.join(',')}`,
        `The bot token lacks the scopes ${missing.join(', ')}: add them as manifest.yml lists them (OAuth & Permissions) and reinstall the app.`,
      );
  } catch (error) {
    const code = reason(error);
    add(
      `auth:${code}`,
      `Slack refuses the bot token (auth.test: ${code}): check SLACK_BOT_TOKEN (the xoxb- token of this app) and that the app is installed.`,
    );
    return report();
  }

  const channels = new Map<string, string[]>();
  if (slack.approvalsChannel) channels.set(slack.approvalsChannel, ['APPROVALS_CHANNEL']);
  if (slack.auditChannel)
    channels.set(slack.auditChannel, [...(channels.get(slack.auditChannel) ?? []), 'AUDIT_CHANNEL']);
  for (const [id, settings] of channels) {
    const setting = settings.join(' and ');
    try {
      const { channel } = await client.conversations.info({ channel: id });
      const name = channel?.name ? `#${channel.name}` : id;
      if (channel?.is_archived)
        add(
          `is_archived:${id}`,
          `${setting} ${name} is archived: unarchive it or point ${setting} elsewhere.`,
        );
      else if (channel && channel.is_im !== true && channel.is_member === false)
        add(
          `not_in_channel:${id}`,
          `The bot is not in ${name} (${setting}): type /invite ${botName} there. Until then approvals go to the approvers' DMs.`,
        );
    } catch (error) {
      const code = reason(error);
      add(
        `${code}:${id}`,
        code === 'channel_not_found'
          ? `${setting} ${id} does not exist, or is private and the bot is not in it: check the channel id and /invite ${botName}.`
          : `Could not check ${setting} ${id} (conversations.info: ${code}).`,
      );
    }
  }

  const groups = [
    ...slack.approverGroups.map((id) => [id, 'APPROVERS'] as const),
    ...slack.adminGroups.map((id) => [id, 'ADMINS'] as const),
  ];
  for (const [id, setting] of groups) {
    try {
      const { users } = await client.usergroups.users.list({ usergroup: id });
      if (!users?.length) add(`empty_group:${id}`, `The ${setting} user group ${id} has no members.`);
    } catch (error) {
      const code = reason(error);
      add(`group:${id}:${code}`, `The ${setting} user group ${id} cannot be read (${code}): check the id.`);
    }
  }

  const { events } = input;
  const quietMs = input.noEventAfterMs ?? NO_EVENT_AFTER_MS;
  if (events && events.lastEventAt === null && input.now - events.startedAt >= quietMs)
    add(
      'no_events',
      `No signed request from Slack has reached /slack/events in the ${Math.round((input.now - events.startedAt) / 60_000)} min since start: check the Request URLs (Interactivity, Event Subscriptions, /countersign) and, once SLACK_SIGNING_SECRET is deployed, re-verify the events URL.`,
    );
  return report();
}
