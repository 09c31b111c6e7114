// Revoke and Extend on an approved grant, from its message or from App Home: ack at once, authorize against
// the live policy, apply atomically; the refresh job then re-renders the message and moves the expiry job.
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import type { Grant } from '../../../grants/types.js';
import { clickNotice } from '../../click-notice.js';
import { authorizeChange } from '../../click-policy.js';
import { ACTION } from '../../ids.js';
import { slackActor, slackGrantAudit } from '../../slack-audit.js';
import { parseExtensionValue } from '../../views/grant-controls.js';
import { invalidActionNotice, refusedNotice } from '../../views/notices.js';
import type { SlackDeps } from '../index.js';
import { markRequestGone } from './gone.js';
import { refuseAudit } from './index.js';

type ChangeArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction | StaticSelectAction>> &
  AllMiddlewareArgs;

export function registerChanges(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.revoke, async (args) => {
    await args.ack();
    await change(args, deps, 'revoke', args.action.value ?? '', 0);
  });
  app.action<BlockAction<StaticSelectAction>>(ACTION.extend, async (args) => {
    await args.ack();
    const parsed = parseExtensionValue(args.action.selected_option?.value);
    if (!parsed) return;
    await change(args, deps, 'extend', parsed.grantId, parsed.ms);
  });
}

async function change(
  args: ChangeArgs,
  deps: SlackDeps,
  kind: 'revoke' | 'extend',
  grantId: string,
  ms: number,
) {
  const { body, client } = args;
  const inMessage = body.container?.type === 'message' && body.channel?.id;
  // An ephemeral in the message's conversation; a DM for App Home clicks (slack10: click-notice.ts).
  const tell = clickNotice(client, body, deps.logger);

  const grant = await deps.store.get(grantId);
  if (!grant) {
    await tell(invalidActionNotice('This grant no longer exists.'));
    return markRequestGone(client, body, deps.logger, deps.now);
  }
  if (inMessage && !(await belongsToMessage(grant, body, deps))) {
    refuseAudit(deps, grant, body.user.id, `tampered: ${kind} button does not belong to this message`);
    return tell(refusedNotice('This button does not belong to that grant.'));
  }
  const clicker = await deps.directory.user(body.user.id);
  const verdict = await authorizeChange(grant, clicker, kind, deps);
  if (!verdict.ok) {
    refuseAudit(deps, grant, body.user.id, `${kind} refused: ${verdict.reason}`);
    return tell(refusedNotice(verdict.reason));
  }
  const by = slackActor(body.user.id, clicker);
  const result =
    kind === 'revoke'
      ? await deps.store.finish(
          grant.id,
          'revoked',
          by,
          `revoked by ${clicker?.name ?? body.user.id} in Slack`,
        )
      : await deps.store.extend(grant.id, by, ms);
  if (!result.ok) {
    const message =
      result.code === 'invalid'
        ? result.message
        : result.code === 'conflict'
          ? `The grant is ${result.grant.status} now.`
          : 'This grant can no longer be changed.';
    return tell(invalidActionNotice(message));
  }
  const changed = result.grant;
  deps.audit.record(
    await slackGrantAudit(
      deps.refs,
      changed,
      { userId: body.user.id, user: clicker },
      {
        type: kind === 'revoke' ? 'grant.revoked' : 'grant.extended',
        level: changed.level,
        providers: changed.providers,
        ...(kind === 'extend' && changed.expiresAt
          ? {
              durationMs: changed.durationMs,
              expiresAt: changed.expiresAt,
              detail: new Date(changed.expiresAt).toISOString(),
            }
          : {}),
      },
    ),
  );
  if (!inMessage) await deps.home.publish(client, body.user.id).catch(() => undefined);
}

/** A click from a grant's message must come from that very message (not a forwarded or edited copy). */
async function belongsToMessage(grant: Grant, body: ChangeArgs['body'], deps: SlackDeps): Promise<boolean> {
  const ref = await deps.refs.get(grant.id);
  const ts = body.container?.message_ts ?? body.message?.ts;
  return ref !== null && ref.ts === ts && ref.channel === body.channel?.id;
}
