// Approve, Deny and Revoke clicks: ack at once, authorize against the live policy, apply atomically.
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import type { Grant } from '../../../grants/types.js';
import { readChoice, type StateValues } from '../../click-choice.js';
import { clickNotice } from '../../click-notice.js';
import { authorizeClick } from '../../click-policy.js';
import { ACTION } from '../../ids.js';
import { slackActor, slackAuditActor, slackGrantAudit } from '../../slack-audit.js';
import { invalidActionNotice, lostRaceNotice, refusedNotice } from '../../views/notices.js';
import type { SlackDeps } from '../index.js';
import { registerChanges } from './change.js';
import { markRequestGone } from './gone.js';

type ClickArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approve, async (args) => {
    await decide(args, deps, 'approve');
  });
  app.action<BlockAction<ButtonAction>>(ACTION.deny, async (args) => {
    await decide(args, deps, 'deny');
  });
  registerChanges(app, deps);
  // Link buttons still send an action; acknowledge so Slack shows no error.
  app.action(ACTION.openInBrowser, async ({ ack }) => ack());
}

async function decide(args: ClickArgs, deps: SlackDeps, decision: 'approve' | 'deny'): Promise<unknown> {
  const { ack, body, client } = args;
  await ack();
  // An ephemeral in the message's conversation; a DM for App Home clicks (slack10: click-notice.ts).
  const tell = clickNotice(client, body, deps.logger);

  const grant = await clickedGrant(args, deps, tell);
  if (!grant) return;
  const ctx = await deps.messenger.viewContext(grant);
  if (grant.status !== 'pending') return tell(lostRaceNotice(grant, ctx));

  const parsed = readChoice(grant, body.state?.values as StateValues | undefined);
  if (!parsed.ok) {
    refuseAudit(deps, grant, body.user.id, `tampered: ${parsed.reason}`);
    return tell(invalidActionNotice(parsed.reason));
  }
  const clicker = await deps.directory.user(body.user.id);
  const level = decision === 'deny' ? 'deny' : (parsed.choice.level ?? grant.level);
  const verdict = await authorizeClick(grant, clicker, ctx.requester.slackUserId, level, deps);
  if (!verdict.ok) {
    refuseAudit(deps, grant, body.user.id, verdict.reason);
    return tell(refusedNotice(verdict.reason));
  }
  const by = slackActor(body.user.id, clicker);
  const { notes, ...narrowing } = parsed.choice;
  const result =
    decision === 'approve'
      ? await deps.store.approve(grant.id, by, { ...narrowing, instructions: notes })
      : await deps.store.deny(grant.id, by, notes);
  if (!result.ok) {
    if (result.code === 'conflict')
      return tell(lostRaceNotice(result.grant, await deps.messenger.viewContext(result.grant)));
    if (result.code === 'invalid') return tell(invalidActionNotice(result.message));
    return tell(invalidActionNotice('This request no longer exists.'));
  }
  const decided = result.grant;
  deps.audit.record(
    await slackGrantAudit(
      deps.refs,
      decided,
      { userId: body.user.id, user: clicker },
      {
        type: decision === 'approve' ? 'grant.approved' : 'grant.denied',
        level: decided.level,
        providers: decided.providers,
        ...(decision === 'approve' && decided.expiresAt
          ? { durationMs: decided.durationMs, expiresAt: decided.expiresAt }
          : {}),
        detail: verdict.as,
      },
    ),
  );
}

/** The grant named by the button, only if the click comes from our workspace and from that grant's own message. */
async function clickedGrant(
  { body, action, client }: ClickArgs,
  deps: SlackDeps,
  tell: (notice: { text: string }) => Promise<unknown>,
): Promise<Grant | null> {
  const team = body.team?.id ?? body.user.team_id;
  const ours = await deps.teamId();
  if (ours && team !== ours) {
    deps.audit.record({
      type: 'grant.decision_refused',
      actor: slackAuditActor(body.user.id, null),
      detail: `foreign team ${team}`,
    });
    await tell(refusedNotice('This request belongs to another workspace.'));
    return null;
  }
  const grant = await deps.store.get(action.value ?? '');
  if (!grant) {
    deps.audit.record({
      type: 'grant.decision_refused',
      actor: slackAuditActor(body.user.id, null),
      detail: 'unknown grant',
    });
    await tell(invalidActionNotice('This request no longer exists.'));
    await markRequestGone(client, body, deps.logger, deps.now);
    return null;
  }
  const ref = await deps.refs.get(grant.id);
  const messageTs = body.container?.message_ts ?? body.message?.ts;
  if (
    body.container?.type === 'message' &&
    ref &&
    (ref.ts !== messageTs || ref.channel !== body.channel?.id)
  ) {
    refuseAudit(deps, grant, body.user.id, 'tampered: button does not belong to this message');
    await tell(refusedNotice('This button does not belong to that request.'));
    return null;
  }
  return grant;
}

export function refuseAudit(deps: SlackDeps, grant: Grant, slackUserId: string, reason: string) {
  void slackGrantAudit(
    deps.refs,
    grant,
    { userId: slackUserId, user: null },
    {
      type: 'grant.decision_refused',
      detail: reason,
    },
  )
    .then((event) => deps.audit.record(event))
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'audit of a refused click failed'));
}
