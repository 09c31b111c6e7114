// Applies one recorded click: authorize against the live policy (cached directory), transition atomically,
// audit, and say what the clicker is to be told. Idempotent: a second run of the same click changes nothing.
import type { WebClient } from '@slack/web-api';
import type { AuditSink } from '../audit/audit-log.js';
import type { Config, SlackConfig } from '../config.js';
import { currentScope } from '../grants/quorum.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant, GrantStatus } from '../grants/types.js';
import type { Logger } from '../lib/logger.js';
import { readChoice } from './click-choice.js';
import { authorizeChange, authorizeClick } from './click-policy.js';
import type { ClickKind, ClickRecord } from './click-record.js';
import type { SlackDirectory } from './directory.js';
import type { HomePublisher } from './home-publisher.js';
import { markRequestGone } from './listeners/actions/gone.js';
import type { MessageRefs } from './message-refs.js';
import type { SlackMessenger } from './messenger.js';
import { slackActor, slackAuditActor, slackGrantAudit } from './slack-audit.js';
import { appliedLateNotice } from './views/click-notices.js';
import { invalidActionNotice, lostRaceNotice, type Notice, refusedNotice } from './views/notices.js';

export interface ClickOutcome {
  /** The click's change is in the grant (by this run or an earlier run of the same click). */
  applied: boolean;
  /** What the clicker is still to be told; null when the re-rendered message says it. */
  notice: Notice | null;
}

export interface DecideOptions {
  /** The job applies a click that could not be applied at once: the clicker hears that it now was. */
  deferred: boolean;
  /** Inline only: after this (epoch ms) nothing is written; the job, already waiting, takes over. */
  writeBy?: number;
}

export interface DecideDeps {
  slack: SlackConfig;
  policy: Config['policy'];
  store: GrantStore;
  directory: SlackDirectory;
  refs: MessageRefs;
  messenger: Pick<SlackMessenger, 'viewContext'>;
  home: Pick<HomePublisher, 'publish'>;
  audit: AuditSink;
  /** For re-publishing the clicker's App Home after a change made there. */
  client: WebClient;
  logger: Logger;
  /** Our workspace: clicks from any other team are refused. */
  teamId(): Promise<string | undefined>;
  now(): number;
}

/** An inline attempt ran out of time before writing; the job applies the click instead. */
export class InlineTimeUp extends Error {
  constructor() {
    super('inline click attempt ran out of time');
  }
}

/** Lookups and Redis may throw (Slack or Redis down): the caller retries, and a retry decides the same. */
export async function decideClick(
  click: ClickRecord,
  deps: DecideDeps,
  options: DecideOptions,
): Promise<ClickOutcome> {
  const found = await clickedGrant(click, deps);
  if ('notice' in found) return found;
  return click.kind === 'approve' || click.kind === 'deny'
    ? decide(click, found.grant, deps, options)
    : change(click, found.grant, deps, options);
}

const refused = (notice: Notice): ClickOutcome => ({ applied: false, notice });

/** The grant named by the button, only if the click comes from our workspace and from that grant's own message. */
async function clickedGrant(click: ClickRecord, deps: DecideDeps): Promise<{ grant: Grant } | ClickOutcome> {
  const ours = await deps.teamId();
  if (ours && click.team !== ours) {
    deps.audit.record({
      type: 'grant.decision_refused',
      actor: slackAuditActor(click.user, null),
      detail: `foreign team ${click.team}`,
    });
    return refused(refusedNotice('This request belongs to another workspace.'));
  }
  const isDecision = click.kind === 'approve' || click.kind === 'deny';
  const grant = await deps.store.get(click.grantId);
  if (!grant) {
    deps.audit.record({
      type: 'grant.decision_refused',
      actor: slackAuditActor(click.user, null),
      detail: 'unknown grant',
    });
    // Redis lost it (or it is past retention): the message itself says so, so nobody keeps clicking it.
    await markRequestGone(deps.client, click, deps.logger, deps.now);
    return refused(
      invalidActionNotice(isDecision ? 'This request no longer exists.' : 'This grant no longer exists.'),
    );
  }
  if (click.channel) {
    const ref = await deps.refs.get(grant.id);
    // A decision before the message was recorded is allowed (the post's reply may still be on its way);
    // a change needs its message known.
    const elsewhere = ref ? ref.ts !== click.messageTs || ref.channel !== click.channel : !isDecision;
    if (elsewhere) {
      const what = isDecision ? 'button' : `${click.kind} button`;
      refuseAudit(deps, grant, click.user, `tampered: ${what} does not belong to this message`);
      return refused(
        refusedNotice(`This button does not belong to that ${isDecision ? 'request' : 'grant'}.`),
      );
    }
  }
  return { grant };
}

async function decide(
  click: ClickRecord,
  grant: Grant,
  deps: DecideDeps,
  options: DecideOptions,
): Promise<ClickOutcome> {
  const ctx = await deps.messenger.viewContext(grant);
  if (grant.status !== 'pending' || appliedByThisClick(grant, click))
    return settled(click, grant, deps, options);
  const parsed = readChoice(grant, click.values);
  if (!parsed.ok) {
    refuseAudit(deps, grant, click.user, `tampered: ${parsed.reason}`);
    return refused(invalidActionNotice(parsed.reason));
  }
  const clicker = await deps.directory.user(click.user);
  const level = click.kind === 'deny' ? 'deny' : (parsed.choice.level ?? grant.level);
  const providers = parsed.choice.providers ?? currentScope(grant);
  const verdict = await authorizeClick(grant, clicker, ctx.requester.slackUserId, { level, providers }, deps);
  if (!verdict.ok) {
    refuseAudit(deps, grant, click.user, verdict.reason);
    return refused(refusedNotice(verdict.reason));
  }
  writeable(deps, options);
  const by = slackActor(click.user, clicker);
  const { notes, ...narrowing } = parsed.choice;
  const result =
    click.kind === 'approve'
      ? await deps.store.approve(grant.id, by, { ...narrowing, instructions: notes }, verdict.quorum)
      : await deps.store.deny(grant.id, by, notes);
  if (!result.ok) {
    if (result.code === 'conflict') return settled(click, result.grant, deps, options);
    if (result.code === 'invalid') {
      // E.g. the same approver again on N-of-M: refused by the store's check, audited like any refused click.
      refuseAudit(deps, grant, click.user, result.message);
      return refused(invalidActionNotice(result.message));
    }
    return refused(invalidActionNotice('This request no longer exists.'));
  }
  const decided = result.grant;
  const partial = click.kind === 'approve' && decided.status === 'pending';
  deps.audit.record(
    await slackGrantAudit(
      deps.refs,
      decided,
      { userId: click.user, user: clicker },
      {
        type: partial
          ? 'grant.approval_recorded'
          : click.kind === 'approve'
            ? 'grant.approved'
            : 'grant.denied',
        ...approvalScope(decided, partial),
        ...(click.kind === 'approve' && decided.expiresAt
          ? { durationMs: decided.durationMs, expiresAt: decided.expiresAt }
          : {}),
        detail: verdict.as,
      },
    ),
  );
  return applied(click, decided, deps, options);
}

async function change(
  click: ClickRecord,
  grant: Grant,
  deps: DecideDeps,
  options: DecideOptions,
): Promise<ClickOutcome> {
  // Checked first: an extension is not a compare-and-set on status, so a second run must not add time again.
  if (appliedByThisClick(grant, click)) return applied(click, grant, deps, options);
  const kind = click.kind as 'revoke' | 'extend';
  const clicker = await deps.directory.user(click.user);
  const verdict = await authorizeChange(grant, clicker, kind, deps);
  if (!verdict.ok) {
    refuseAudit(deps, grant, click.user, `${kind} refused: ${verdict.reason}`);
    return refused(refusedNotice(verdict.reason));
  }
  writeable(deps, options);
  const by = slackActor(click.user, clicker);
  const result =
    kind === 'revoke'
      ? await deps.store.finish(grant.id, 'revoked', by, `revoked by ${clicker?.name ?? click.user} in Slack`)
      : await deps.store.extend(grant.id, by, click.extendTo);
  if (!result.ok) {
    if (result.code === 'conflict' && appliedByThisClick(result.grant, click))
      return applied(click, result.grant, deps, options);
    const message =
      result.code === 'invalid'
        ? result.message
        : result.code === 'conflict'
          ? `The grant is ${result.grant.status} now.`
          : 'This grant can no longer be changed.';
    return refused(invalidActionNotice(message));
  }
  const changed = result.grant;
  deps.audit.record(
    await slackGrantAudit(
      deps.refs,
      changed,
      { userId: click.user, user: clicker },
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
  return applied(click, changed, deps, options);
}

/** What the audit says was approved: the grant's scope, or for one approval of several what that person chose. */
function approvalScope(grant: Grant, partial: boolean) {
  const last = partial ? grant.approvals?.at(-1) : undefined;
  return last
    ? { level: last.level, providers: last.providers, durationMs: last.durationMs }
    : { level: grant.level, providers: grant.providers };
}

/** Decided already: by this very click (an earlier run) it is done; by anyone or anything else it is a lost race. */
async function settled(
  click: ClickRecord,
  grant: Grant,
  deps: DecideDeps,
  options: DecideOptions,
): Promise<ClickOutcome> {
  if (appliedByThisClick(grant, click)) return applied(click, grant, deps, options);
  return refused(lostRaceNotice(grant, await deps.messenger.viewContext(grant)));
}

/** Inline, the message re-render (or the Home) shows the outcome; after a delay the clicker is told. */
async function applied(
  click: ClickRecord,
  grant: Grant,
  deps: DecideDeps,
  options: DecideOptions,
): Promise<ClickOutcome> {
  if (!click.channel) {
    await deps.home.publish(deps.client, click.user).catch((error: unknown) => {
      deps.logger.warn({ err: error, user: click.user }, 'Home re-publish after a change failed');
    });
  }
  if (!options.deferred) return { applied: true, notice: null };
  return {
    applied: true,
    notice: appliedLateNotice(click.kind, grant, await deps.messenger.viewContext(grant)),
  };
}

const STATUS_OF: Record<ClickKind, GrantStatus> = {
  approve: 'approved',
  deny: 'denied',
  revoke: 'revoked',
  extend: 'approved',
};

/**
 * Whether the grant already holds this click's change: a decision or revocation by this person (one per
 * grant), or an extension by them since the click was recorded. The times compare the clocks of the instance
 * that recorded the click and the one that extended; a job retried on an instance whose clock is behind, after
 * a crash between extending and keeping its outcome, could extend twice (and audit it twice).
 */
export function appliedByThisClick(grant: Grant, click: ClickRecord): boolean {
  const status = STATUS_OF[click.kind];
  // An approval toward N-of-M leaves the grant pending: the recorded approval is this click's change if it
  // came after the click was recorded (a later click by the same person is a new one, and refused).
  const approval = grant.approvals?.find((a) => a.by.via === 'slack' && a.by.id === click.user);
  if (click.kind === 'approve' && approval && approval.at >= click.recordedAt) return true;
  return grant.history.some(
    (entry) =>
      entry.status === status &&
      entry.by.via === 'slack' &&
      entry.by.id === click.user &&
      (click.kind !== 'extend' ||
        (entry.at >= click.recordedAt && (entry.note ?? '').startsWith('extended'))),
  );
}

function writeable(deps: DecideDeps, options: DecideOptions) {
  if (options.writeBy !== undefined && deps.now() > options.writeBy) throw new InlineTimeUp();
}

export function refuseAudit(
  deps: Pick<DecideDeps, 'refs' | 'audit' | 'logger'>,
  grant: Grant,
  slackUserId: string,
  reason: string,
) {
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
