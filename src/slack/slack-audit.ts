// What a Slack user did, for the grant's history and for the audit stream with every correlation id we know:
// the owner's session, the grant, the grant's own message, and the person's Slack and (when known) WorkOS ids.
import { grantFields, ownerFields } from '../audit/fields.js';
import type { AuditActor, AuditEvent } from '../audit/schema.js';
import type { Actor, Grant } from '../grants/types.js';
import type { SlackUser } from './directory.js';
import type { MessageRefs } from './message-refs.js';

export function slackActor(userId: string, user: SlackUser | null): Actor {
  return { type: 'user', id: userId, email: user?.email ?? undefined, name: user?.name, via: 'slack' };
}

/** The person as the audit names them; their WorkOS id is known when they are the grant's owner. */
export function slackAuditActor(userId: string, user: SlackUser | null, grant?: Grant): AuditActor {
  const email = user?.email ?? undefined;
  const isOwner = grant !== undefined && email !== undefined && email === grant.owner.userEmail.toLowerCase();
  return {
    type: 'user',
    id: userId,
    email,
    via: 'slack',
    slackUserId: userId,
    ...(isOwner ? { workosUserId: grant.owner.userId } : {}),
  };
}

type GrantEvent = Omit<
  AuditEvent,
  'grantId' | 'kind' | 'userId' | 'userEmail' | 'sid' | 'organizationId' | 'actor' | 'slack'
>;

export async function slackGrantAudit(
  refs: MessageRefs,
  grant: Grant,
  actor: { userId: string; user: SlackUser | null },
  event: GrantEvent,
): Promise<AuditEvent> {
  const ref = await refs.get(grant.id);
  return {
    ...event,
    ...grantFields(grant),
    ...ownerFields(grant.owner),
    actor: slackAuditActor(actor.userId, actor.user, grant),
    ...(ref ? { slack: { channel: ref.channel, ts: ref.ts } } : {}),
  };
}
