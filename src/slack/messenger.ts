// Keeps a grant's Slack message current: posts the request where it should go, re-renders it on every change,
// tells the requester the outcome, reminds approvers. Runs inside the deliver, refresh, remind and usage jobs.
import type { WebClient } from '@slack/web-api';
import type { Config, SlackConfig } from '../config.js';
import { mayDecide } from '../grants/policy.js';
import type { Grant, GrantUsage, Level } from '../grants/types.js';
import { asDeferral } from '../jobs/grant-jobs.js';
import type { Logger } from '../lib/logger.js';
import { postApproval } from './approval-fallback.js';
import { platformError, type SlackDirectory } from './directory.js';
import type { ViewContext } from './ids.js';
import { showsAlready } from './message-readback.js';
import type { MessageRef, MessageRefs } from './message-refs.js';
import { findPosted, requestMetadata } from './posted-lookup.js';
import { outcomeDm } from './views/notices.js';
import { reminderNotice } from './views/reminder.js';
import { requestMessage } from './views/request-message.js';

export interface MessengerDeps {
  client: WebClient;
  slack: SlackConfig;
  config: Pick<Config, 'policy' | 'durations'>;
  directory: SlackDirectory;
  refs: MessageRefs;
  providerNames: Record<string, string>;
  approvalUrl(grant: Grant): Promise<string>;
  /** Upstream outcomes of a grant, shown on its approved message. */
  usage?(grantId: string): Promise<GrantUsage>;
  logger: Logger;
  now(): number;
}

/** Slack errors that retrying cannot fix: give up on this surface, keep the grant as it is. */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'user_not_found',
  'message_not_found',
  'cant_update_message',
  'msg_blocks_too_long', // slack10: a retry cannot fix these
]);

export interface SyncOptions {
  /** The job ran before (src/jobs/grant-jobs.ts isRerun): skip an update Slack already shows. */
  rerun?: boolean;
}

export class SlackMessenger {
  constructor(private readonly deps: MessengerDeps) {}

  async viewContext(grant: Grant): Promise<ViewContext> {
    const { deps } = this;
    return {
      requester: {
        email: grant.owner.userEmail,
        slackUserId: await deps.directory.userIdByEmail(grant.owner.userEmail),
      },
      providerNames: deps.providerNames,
      maxAccessMs: deps.config.durations.maxAccessMs,
      defaultAccessMs: deps.config.durations.defaultAccessMs,
      approvalUrl: grant.status === 'pending' ? await deps.approvalUrl(grant) : null,
      deciderSlackUserId: grant.decidedBy?.via === 'slack' ? grant.decidedBy.id : null,
      usage: grant.uses > 0 && deps.usage ? await deps.usage(grant.id) : null,
      now: deps.now(),
    };
  }

  /**
   * Brings the grant's message up to date with its current state and sends the requester's outcome DM once
   * per status, only for the event that matches the grant's current status (a late event for an older status
   * re-renders, nothing more). Audit-channel lines come from the audit stream (SlackAuditFeed).
   */
  async sync(grant: Grant, status: string, options: SyncOptions = {}): Promise<void> {
    // Only reads so far: a deferral here leaves nothing for the job's repeat to check.
    const ctx = await this.guard(() => this.viewContext(grant)).catch(beforeSending);
    if (!ctx) return;
    const rendered = await this.guard(() => this.render(grant, ctx, options.rerun === true));
    // Another worker posted the message first: it also sends what follows.
    if (rendered === 'lost') return;
    await this.index(grant);
    if (status !== grant.status) return;
    // Only a decision has an outcome to tell; taking a mark for any other status would only cost memory.
    if (status === 'approved' || status === 'denied')
      await this.guard(() => this.once(grant, `dm-${status}`, () => this.notifyRequester(grant, ctx)));
  }

  private async render(
    grant: Grant,
    ctx: ViewContext,
    rerun: boolean,
  ): Promise<'updated' | 'posted' | 'lost' | 'none'> {
    const message = requestMessage(grant, ctx);
    // Whatever the status: a message posted before a crash must not keep live buttons on a decided request.
    const ref = (await this.deps.refs.get(grant.id)) ?? (await this.adopt(grant));
    if (ref) {
      try {
        if (rerun && (await this.showsAlready(grant, ref, message))) return 'updated';
        await this.deps.client.chat.update({
          channel: ref.channel,
          ts: ref.ts,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        // A 429 is Slack refusing the update, and our gate defers before sending: the message is as it was, so
        // the repeat updates it without first reading it back (Tier 3, ~50 a minute, which a burst would exhaust).
        beforeSending(error);
      }
      return 'updated';
    }
    // A rule's own decision is posted too (to the requester's DM): they see it and can revoke from it.
    const byRule = grant.decidedBy?.type === 'system' && grant.decidedBy.id.startsWith('rule:');
    if (grant.status !== 'pending' && !(byRule && ['approved', 'denied'].includes(grant.status)))
      return 'none';
    return this.deliver(grant, ctx, message);
  }

  /**
   * A re-run job's message may already show this render (sent before the crash): read it back. Slack refusing
   * the read (no history scope, say) means "not known", and the update goes out as before; an outage or a 429
   * propagates, as the update's would.
   */
  private async showsAlready(grant: Grant, ref: MessageRef, message: { text: string; blocks: unknown[] }) {
    const { client, logger } = this.deps;
    try {
      return await showsAlready(client, ref, message);
    } catch (error) {
      const code = platformError(error);
      if (!code) throw error;
      logger.warn(
        { grantId: grant.id, code },
        'cannot read a request message back before updating it again (the app needs channels:history, groups:history, im:history)',
      );
      return false;
    }
  }

  /**
   * A message posted for the grant whose ref was never recorded (a crash between post and record, or a reply
   * lost on the way), found by its metadata where a post was marked, and recorded now. Extra copies (from an
   * older race) are deleted, so one message per grant remains. Null when no post was marked or none arrived.
   */
  private async adopt(grant: Grant): Promise<MessageRef | null> {
    const { refs, client, logger } = this.deps;
    for (const mark of await refs.postings(grant.id)) {
      const found = await findPosted(client, mark, grant.id).catch((error: unknown) => {
        // Slack refused the lookup (e.g. an app installed before the history scopes were added): post as
        // before rather than never. Outages and 429s propagate, so the job retries the lookup later.
        const code = platformError(error);
        if (!code) throw error;
        logger.warn(
          { grantId: grant.id, code },
          'cannot look for a request message posted before a crash (the app needs channels:history, groups:history, im:history)',
        );
        return null;
      });
      const first = found?.ts[0];
      if (!found || !first) continue;
      const { ref } = await refs.claimOrGet(grant.id, { channel: found.channel, ts: first });
      for (const ts of found.ts) {
        if (ts === ref.ts && found.channel === ref.channel) continue;
        await client.chat.delete({ channel: found.channel, ts }).catch(() => undefined);
      }
      await refs.clearPosting(grant.id);
      logger.warn({ grantId: grant.id, ...ref }, 'adopted a request message whose post was not recorded');
      return ref;
    }
    return null;
  }

  private async index(grant: Grant) {
    const { refs } = this.deps;
    if (grant.status === 'pending') await refs.markPending(grant.id, grant.decideBy);
    else if (grant.status === 'approved' && grant.expiresAt) await refs.markActive(grant.id, grant.expiresAt);
    else await refs.markDone(grant.id);
  }

  /** Runs a one-off side effect unless it already ran for this grant; a failure hands it back to the retry. */
  private async once(grant: Grant, effect: string, work: () => Promise<void>) {
    const { refs } = this.deps;
    if (!(await refs.once(grant.id, effect))) return;
    try {
      await work();
    } catch (error) {
      await refs.forget(grant.id, effect);
      throw error;
    }
  }

  /** Self-approvals go to the requester's DM, team approvals to the approvals channel; the link always works. */
  private async deliver(
    grant: Grant,
    ctx: ViewContext,
    message: { text: string; blocks: unknown[] },
  ): Promise<'posted' | 'lost' | 'none'> {
    const { slack, config, client, refs, logger } = this.deps;
    const requester = ctx.requester.slackUserId;
    const channel = destination(grant, requester, slack.approvalsChannel ?? null, config.policy.selfApprove);
    if (!channel) {
      logger.info(
        { grantId: grant.id },
        'no Slack destination for this request; the consent link still works',
      );
      return 'none';
    }
    const post = async (to: string) => {
      // Marked before the post: if the ref is never recorded, a retry looks for this post instead of posting again.
      await refs.markPosting(grant.id, { channel: to, since: this.deps.now() });
      return client.chat
        .postMessage({
          channel: to,
          text: message.text,
          blocks: message.blocks as never,
          metadata: requestMetadata(grant.id),
        })
        .catch(async (error: unknown) => {
          // Nothing was posted there, so there is nothing to look for: the retry posts at once instead of first
          // reading the channel's history (Tier 3, about 50 a minute), which a burst of rate-limited posts would
          // exhaust and so hold new requests' messages back well past Slack's own pacing.
          if (notPosted(error)) await refs.clearPosting(grant.id, to);
          throw error;
        });
    };
    // The approvals channel refusing us (bot not invited…) falls back to the approvers' DMs.
    const posted = await postApproval(this.deps, grant.id, channel, post);
    if (!posted.channel || !posted.ts) return 'none';
    const { claimed, ref } = await refs.claimOrGet(grant.id, { channel: posted.channel, ts: posted.ts });
    // Recorded by us, or adopted by another worker that found it first: either way it is the grant's message.
    if (claimed || (ref.channel === posted.channel && ref.ts === posted.ts)) {
      await refs.clearPosting(grant.id);
      return 'posted';
    }
    // Another worker got there first (a retried job): keep one message per grant.
    await client.chat.delete({ channel: posted.channel, ts: posted.ts }).catch(() => undefined);
    return 'lost';
  }

  /**
   * One thread reply under a request still waiting in the approvals channel, pinging the approvers. In a
   * self-approval DM only when REMIND_IN_DM is set (the requester already knows).
   */
  async remind(grant: Grant): Promise<void> {
    const { refs, slack, client } = this.deps;
    const ref = await refs.get(grant.id);
    if (!ref) return;
    const gates = grant.policy?.gates ?? [];
    const inDm =
      ref.channel !== slack.approvalsChannel && !gates.some((gate) => gate.channels.includes(ref.channel));
    if (inDm && !slack.remindInDm) return;
    await this.guard(async () => {
      const ctx = await this.viewContext(grant);
      const notice = reminderNotice(grant, ctx, {
        approvers: inDm
          ? []
          : grant.policy
            ? [
                ...new Set(
                  gates.flatMap((gate) => [...gate.approvers.slackGroups, ...gate.approvers.slackUsers]),
                ),
              ]
            : [...slack.approverGroups, ...slack.approverUsers],
      });
      await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: notice.text });
    });
  }

  /** When someone else decided, the requester hears the outcome in a DM. */
  private async notifyRequester(grant: Grant, ctx: ViewContext) {
    if (grant.status !== 'approved' && grant.status !== 'denied') return;
    const requester = ctx.requester.slackUserId;
    const decider = grant.decidedBy;
    if (!requester || !decider) return;
    const byRequester =
      decider.id === requester ||
      decider.id === grant.owner.userId ||
      decider.email?.toLowerCase() === grant.owner.userEmail.toLowerCase();
    if (byRequester) return;
    const dm = outcomeDm(grant, ctx);
    await this.deps.client.chat.postMessage({
      channel: requester,
      text: dm.text,
      ...(dm.blocks ? { blocks: dm.blocks as never } : {}),
    });
  }

  /** Slack's 429 becomes a queue pause; permanent errors are logged and that surface skipped; the rest retry. */
  private async guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const deferral = asDeferral(error);
      if (deferral) throw deferral;
      const code = platformError(error);
      if (code && PERMANENT_SLACK_ERRORS.has(code)) {
        this.deps.logger.warn({ code }, 'Slack refused an update; giving up on it');
        return undefined;
      }
      throw error;
    }
  }
}

/**
 * Where a request goes: the requester's DM when they may approve it themselves or a rule already decided it (so
 * they can revoke), else the channel the policy's rules name (the first), else APPROVALS_CHANNEL.
 */
export function destination(
  grant: Grant,
  requester: string | null,
  approvalsChannel: string | null,
  selfApprove: Level | 'none',
): string | null {
  const policy = grant.policy;
  const toRequester = policy
    ? policy.decidedByRule !== null ||
      policy.gates.every((gate) => gate.decision !== 'needs-approval' || gate.requesterMaySelfApprove)
    : mayDecide(grant, { userId: grant.owner.userId }, { selfApprove, approverEmails: [] }, grant.level).ok;
  const channel = policy?.gates.flatMap((gate) => gate.channels)[0] ?? approvalsChannel;
  return requester && (toRequester || !channel) ? requester : channel;
}

/**
 * A post that certainly did not reach the channel: Slack answered and refused it, answered 429, or our retry gate
 * held it back before sending (Slack's window was open, or another worker's call was on the wire).
 */
function notPosted(error: unknown): boolean {
  return Boolean(platformError(error)) || asDeferral(error) !== null;
}

/** Rethrows `error`; a deferral (a 429, our gate's hold) as one that came before the run sent Slack anything. */
function beforeSending(error: unknown): never {
  throw asDeferral(error)?.beforeSending() ?? error;
}
