// A slash command's `text` as Slack sends it: &, < and > always escaped; with the manifest's should_escape
// on, typed @names, #channels and @groups become <@U…|name>, <#C…|name> and <!subteam^S…|@handle>.
import type { SlackState } from './state.js';

const escapeControl = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function commandTextAsSent(state: SlackState, typed: string, shouldEscape: boolean): string {
  const text = escapeControl(typed);
  if (!shouldEscape) return text;
  return text.replace(
    /(^|\s)([@#])([a-z0-9][a-z0-9._-]*)/gi,
    (whole, lead: string, sigil: string, name: string) => {
      const wanted = name.toLowerCase();
      if (sigil === '#') {
        const channel = [...state.channels.values()].find((c) => c.kind === 'channel' && c.name === wanted);
        return channel ? `${lead}<#${channel.id}|${channel.name}>` : whole;
      }
      if (wanted === 'here' || wanted === 'channel' || wanted === 'everyone') return `${lead}<!${wanted}>`;
      const user = [...state.users.values()].find((u) => !u.deleted && u.name.toLowerCase() === wanted);
      if (user) return `${lead}<@${user.id}|${user.name}>`;
      const group = [...state.usergroups.values()].find((g) => g.handle.toLowerCase() === wanted);
      return group ? `${lead}<!subteam^${group.id}|@${group.handle}>` : whole;
    },
  );
}
