// Short audit lines for the admins' App Home: when, what, which grant, by whom.
import { escapeWithin, isSlackUserId, slackDate } from './mrkdwn.js';

export interface AuditSummaryEvent {
  at: number;
  type: string;
  grantId?: string;
  actor?: { id?: string; via?: string; email?: string };
}

export function auditSummaryLine(event: AuditSummaryEvent): string {
  const who =
    event.actor?.via === 'slack' && isSlackUserId(event.actor.id)
      ? `<@${event.actor.id}>`
      : escapeWithin(event.actor?.email ?? event.actor?.id ?? 'system', 80);
  const grant = event.grantId ? ` · \`${escapeWithin(event.grantId, 80)}\`` : '';
  return `${slackDate(event.at, '{date_short} {time}')} · *${escapeWithin(event.type, 40)}*${grant} · ${who}`;
}
