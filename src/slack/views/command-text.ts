// Texts of the /countersign command: help by role, and one line per grant for `list`.
import type { Grant } from '../../grants/types.js';
import type { ViewContext } from '../ids.js';
import { accessText, clientLabel, requesterMrkdwn, when } from './grant-text.js';
import { escapeWithin } from './mrkdwn.js';

export function commandHelp(who: {
  approver: boolean;
  admin: boolean;
  selfApprove: string;
  unknown: string | null;
}) {
  const lines = [
    who.unknown
      ? `I don’t know \`${escapeWithin(who.unknown, 40)}\`. Here is what I can do:`
      : '*Countersign*',
    'AI assistants ask for time-boxed access to your tools (Linear, Notion, Snowflake…); a person decides.',
    who.admin
      ? 'You are an *admin*: you see every grant and may revoke any of them.'
      : who.approver
        ? 'You are an *approver*: you may decide anyone’s request (not your own above the self-approval limit).'
        : `You may decide your own assistant’s requests up to *${who.selfApprove}* access, and end your own access.`,
    '`/countersign list`: requests and access you can see',
    '`/countersign revoke &lt;grant id&gt;`: end access now',
  ];
  if (who.admin) {
    lines.push('`/countersign audit [@user] [24h]`: the latest audit events');
    lines.push('`/countersign check`: check the Slack setup (scopes, channels, groups) again');
  }
  lines.push('`/countersign help`: this text. The App Home tab shows the same, with buttons.');
  return lines.join('\n');
}

export function grantListLine(grant: Grant, ctx: ViewContext, mine: boolean): string {
  const who = mine ? 'You' : requesterMrkdwn(ctx);
  const client = escapeWithin(clientLabel(grant.clientName), 60);
  const id = `\`${escapeWithin(grant.id, 100)}\``;
  return grant.status === 'pending'
    ? `• ⏳ ${who} (${client}) asks for ${accessText(grant, ctx)}, decide by ${when(grant.decideBy)} · ${id}`
    : `• ✅ ${who} (${client}) has ${accessText(grant, ctx)} until ${when(grant.expiresAt)} · ${id}`;
}
