// The Slack part of the configuration, checked for the token and id shapes Slack uses.
import type { ParsedEnv } from './env-schema.js';
import type { SlackConfig } from './types.js';

/** Slack settings from the environment; every shape problem is added to `problems`. */
export function slackConfig(e: ParsedEnv, problems: string[]): SlackConfig {
  if (!e.SLACK_BOT_TOKEN?.startsWith('xoxb-'))
    problems.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp-');
  }
  if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  for (const [name, ids] of [
    ['APPROVERS', e.APPROVERS],
    ['ADMINS', e.ADMINS],
  ] as const) {
    const badIds = ids.filter((id) => !/^[UWS][A-Z0-9]{2,}$/.test(id));
    if (badIds.length > 0) problems.push(`${name}: not Slack user or user-group ids: ${badIds.join(', ')}`);
  }
  for (const [name, value] of [
    ['APPROVALS_CHANNEL', e.APPROVALS_CHANNEL],
    ['AUDIT_CHANNEL', e.AUDIT_CHANNEL],
  ] as const) {
    if (value && !/^[CGD][A-Z0-9]{2,}$/.test(value))
      problems.push(`${name}: expected a channel id such as C0123ABCD`);
  }
  return {
    botToken: e.SLACK_BOT_TOKEN ?? '',
    signingSecret: e.SLACK_SIGNING_SECRET,
    appToken: e.SLACK_APP_TOKEN,
    apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    teamId: e.SLACK_TEAM_ID,
    botId: e.SLACK_BOT_ID,
    botUserId: e.SLACK_BOT_USER_ID,
    approverUsers: e.APPROVERS.filter((id) => !id.startsWith('S')),
    approverGroups: e.APPROVERS.filter((id) => id.startsWith('S')),
    adminUsers: e.ADMINS.filter((id) => !id.startsWith('S')),
    adminGroups: e.ADMINS.filter((id) => id.startsWith('S')),
    approvalsChannel: e.APPROVALS_CHANNEL,
    auditChannel: e.AUDIT_CHANNEL,
    remindInDm: e.REMIND_IN_DM,
  };
}
