// `/countersign`: help, list, revoke <id>, and (admins) audit [@user] [since] and check. Acked at once, answered
// with respond() (ephemeral), since the lookups may outlast Slack's 3 s; unknown input gets the help text.
import type { App } from '@slack/bolt';
import type { Grant } from '../../../grants/types.js';
import { parseDuration } from '../../../lib/duration.js';
import { authorizeChange, isRequesterOf, roleOf } from '../../click-policy.js';
import type { SlackUser } from '../../directory.js';
import { liveGrants } from '../../live-grants.js';
import { slackActor, slackGrantAudit } from '../../slack-audit.js';
import { commandHelp, grantListLine } from '../../views/command-text.js';
import type { SlackDeps } from '../index.js';

export const COMMAND = '/countersign';
const LIST_MAX = 20;
const AUDIT_LINES = 20;

export function register(app: App, deps: SlackDeps): void {
  app.command(COMMAND, async ({ ack, command, respond }) => {
    // First, on every path: a slow or rate-limited Slack lookup below must not push the ack past 3 s.
    await ack();
    let text: string;
    try {
      // As for clicks: a signed request from another workspace of the same app (org-wide installs, a shared
      // signing secret) gets nothing from ours, not even who may approve.
      const ours = await deps.teamId();
      if (ours && command.team_id !== ours) {
        deps.logger.warn(
          { team: command.team_id, user: command.user_id },
          '/countersign from another workspace refused',
        );
        await respond({ response_type: 'ephemeral', text: 'This Countersign belongs to another workspace.' });
        return;
      }
      const user = await deps.directory.user(command.user_id).catch(() => null);
      const [verb = '', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
      text = await answer(verb.toLowerCase(), args, user, command.user_id, deps);
    } catch (error) {
      deps.logger.warn({ err: error }, '/countersign failed');
      text = 'Something went wrong on our side; try again in a moment.';
    }
    await respond({ response_type: 'ephemeral', text });
  });
}

async function answer(verb: string, args: string[], user: SlackUser | null, userId: string, deps: SlackDeps) {
  const role = await roleOf(user, deps);
  switch (verb) {
    case 'list':
      return list(user, role, deps);
    case 'revoke':
      return revoke(args[0], user, userId, deps);
    case 'audit':
      if (!role.admin) return 'Only admins can read the audit from Slack.';
      return audit(args, deps);
    case 'check':
      if (!role.admin) return 'Only admins can check the Slack setup.';
      return check(deps);
    default:
      return commandHelp({
        ...role,
        selfApprove: deps.policy.selfApprove,
        unknown: verb === 'help' ? null : verb,
      });
  }
}

async function list(user: SlackUser | null, role: { approver: boolean; admin: boolean }, deps: SlackDeps) {
  const { pending, active } = await liveGrants(deps, deps.now(), 200);
  const mine = (g: Grant) => user !== null && isRequesterOf(g, user);
  const visible = (g: Grant) => mine(g) || role.admin || (role.approver && g.status === 'pending');
  const shown = [...pending, ...active].filter(visible).slice(0, LIST_MAX);
  if (shown.length === 0) return 'Nothing you can see is pending or active right now.';
  const lines = await Promise.all(
    shown.map(async (g) => grantListLine(g, await deps.messenger.viewContext(g), mine(g))),
  );
  return lines.join('\n');
}

async function revoke(id: string | undefined, user: SlackUser | null, userId: string, deps: SlackDeps) {
  if (!id) return 'Usage: `/countersign revoke <grant id>` (ids are in each message’s footer).';
  const grant = await deps.store.get(id);
  if (!grant) return `No grant \`${id.slice(0, 80)}\` (it may have been removed after its retention).`;
  const verdict = await authorizeChange(grant, user, 'revoke', deps);
  if (!verdict.ok) {
    deps.audit.record(
      await slackGrantAudit(
        deps.refs,
        grant,
        { userId, user },
        {
          type: 'grant.decision_refused',
          detail: `revoke refused: ${verdict.reason}`,
        },
      ),
    );
    return verdict.reason;
  }
  const by = slackActor(userId, user);
  const result = await deps.store.finish(
    grant.id,
    'revoked',
    by,
    `revoked by ${user?.name ?? userId} with /countersign`,
  );
  if (!result.ok)
    return result.code === 'conflict'
      ? `That grant is ${result.grant.status}; nothing to revoke.`
      : 'That grant cannot be revoked.';
  deps.audit.record(
    await slackGrantAudit(
      deps.refs,
      result.grant,
      { userId, user },
      {
        type: 'grant.revoked',
        level: result.grant.level,
        providers: result.grant.providers,
        detail: 'via /countersign',
      },
    ),
  );
  return `Revoked \`${grant.id}\`: the assistant’s next call is refused.`;
}

async function audit(args: string[], deps: SlackDeps) {
  const mention = args.map((a) => /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(a)).find(Boolean);
  const sinceArg = args.find((a) => !a.startsWith('<@'));
  const sinceMs = sinceArg ? parseDuration(sinceArg) : 24 * 3600_000;
  if (sinceMs === undefined) return `Not a duration: \`${sinceArg!.slice(0, 40)}\` (try 24h, 7d).`;
  const slackUserId = mention?.[1];
  const email = slackUserId ? ((await deps.directory.user(slackUserId))?.email ?? null) : null;
  const lines = await deps.auditQuery.lines(
    { sinceMs: deps.now() - sinceMs, ...(slackUserId ? { slackUserId, email } : {}) },
    AUDIT_LINES,
  );
  return lines.length > 0 ? lines.join('\n') : 'No audit events in that window.';
}

async function check(deps: SlackDeps) {
  if (!deps.setup) return 'The Slack setup check is not available here.';
  const { problems } = await deps.setup.runNow();
  if (problems.length === 0) return 'Slack setup: every check passes.';
  return [
    'Slack setup needs attention:',
    ...problems.map(
      (p) => `• ${p.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
    ),
  ].join('\n');
}
