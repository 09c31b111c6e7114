// When Slack refuses the approvals channel (the bot not invited, the channel archived or gone), a request goes
// to the approvers in one group DM instead (one message, so its buttons and updates work as in the channel),
// and the audit channel says so in one line: never a request nobody sees.
import type { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { platformError, type SlackDirectory } from './directory.js';

/** Errors that say the channel cannot take our posts, though people can still be reached. */
export const UNREACHABLE_CHANNEL_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
]);

export interface FallbackDeps {
  client: Pick<WebClient, 'chat' | 'conversations'>;
  slack: Pick<SlackConfig, 'approvalsChannel' | 'auditChannel' | 'approverUsers' | 'approverGroups'>;
  directory: Pick<SlackDirectory, 'groupMembers'>;
  logger: Logger;
}

interface Posted {
  channel?: string;
  ts?: string;
}

/** A group DM holds at most 8 people besides the bot (conversations.open: too_many_users). */
const GROUP_DM_MAX = 8;

/** The approvers as people: APPROVERS users and the members of APPROVERS groups, once each. */
export async function fallbackDestinations(
  deps: Pick<FallbackDeps, 'slack' | 'directory'>,
): Promise<string[]> {
  const members = await Promise.all(deps.slack.approverGroups.map((id) => deps.directory.groupMembers(id)));
  return [...new Set([...deps.slack.approverUsers, ...members.flat()])];
}

/**
 * Posts a request message; when the approvals channel refuses it, posts it to the approvers' group DM (a
 * plain DM for a single approver) and puts one line in the audit channel. Other errors, or the approvers
 * unreachable too, are thrown as the channel's error.
 */
export async function postApproval(
  deps: FallbackDeps,
  grantId: string,
  channel: string,
  /** Posts the request message to one conversation (the messenger's: posting mark, metadata). */
  post: (to: string) => Promise<Posted>,
): Promise<Posted> {
  try {
    return await post(channel);
  } catch (error) {
    const code = platformError(error);
    if (channel !== deps.slack.approvalsChannel || !code || !UNREACHABLE_CHANNEL_ERRORS.has(code))
      throw error;
    const everyone = await fallbackDestinations(deps);
    const approvers = everyone.slice(0, GROUP_DM_MAX);
    if (approvers.length === 0) throw error;
    if (approvers.length < everyone.length)
      deps.logger.warn(
        { grantId },
        `more than ${GROUP_DM_MAX} approvers: the group DM holds the first ${GROUP_DM_MAX}`,
      );
    const posted = await post(await groupDm(deps, approvers)).catch((dmError: unknown) => {
      deps.logger.warn({ err: dmError, grantId }, 'the approvers could not be reached by DM either');
      throw error;
    });
    deps.logger.warn(
      { grantId, channel, code, approvers: approvers.length },
      'the approvals channel refused the request; sent to the approvers by DM',
    );
    await tellAuditChannel(deps, grantId, channel, code, approvers);
    return posted;
  }
}

/** The approvers' group DM with the bot; one approver's own DM when alone or when no group DM can be opened. */
async function groupDm(deps: FallbackDeps, approvers: string[]): Promise<string> {
  if (approvers.length === 1) return approvers[0]!;
  try {
    const opened = await deps.client.conversations.open({ users: approvers.join(',') });
    if (opened.channel?.id) return opened.channel.id;
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not open the approvers’ group DM; DMing the first approver');
  }
  return approvers[0]!;
}

async function tellAuditChannel(
  deps: FallbackDeps,
  grantId: string,
  channel: string,
  code: string,
  approvers: string[],
): Promise<void> {
  const audit = deps.slack.auditChannel;
  if (!audit || audit === channel) return;
  const who = approvers.map((id) => `<@${id}>`).join(', ');
  const text = `:warning: Request \`${grantId}\` could not be posted in <#${channel}> (${code}); it went to the approvers by DM instead (${who}). Invite the bot to <#${channel}>.`;
  await deps.client.chat.postMessage({ channel: audit, text }).catch((error: unknown) => {
    deps.logger.warn({ err: error, grantId }, 'could not tell the audit channel about the DM fallback');
  });
}
