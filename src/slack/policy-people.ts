// The policy's view of people in Slack: a person's Slack id and which of the policy's user groups they are in.
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { SlackDirectory } from './directory.js';

export function slackPeople(directory: SlackDirectory): PeopleLookup {
  return {
    async byEmail(email, groups) {
      const slackUserId = await directory.userIdByEmail(email);
      return { slackUserId, slackGroups: slackUserId ? await groupsOf(directory, slackUserId, groups) : [] };
    },
  };
}

/** The groups among `groups` that `userId` is in (cached lookups; a failed lookup throws: fail closed). */
export async function groupsOf(
  directory: SlackDirectory,
  userId: string,
  groups: readonly string[],
): Promise<string[]> {
  const members = await Promise.all(groups.map((group) => directory.groupMembers(group)));
  return groups.filter((_, i) => members[i]!.includes(userId));
}
