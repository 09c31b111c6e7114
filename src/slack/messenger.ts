// Keeps a grant's Slack presence current: posts the request where it should go, re-renders it on every change,
// tells the requester the outcome, and writes the audit channel line. Runs inside the sync job.
import type { WebClient } from '@slack/web-api';
import type { Config, SlackConfig } from '../config.js';
import { mayDecide } from '../grants/policy.js';
import type { Grant } from '../grants/types.js';
import { RetryLater } from '../jobs/grant-jobs.js';
import type { Logger } from '../lib/logger.js';
import { platformError, type SlackDirectory } from './directory.js';
import type { ViewContext } from './ids.js';
import type { MessageRefs } from './message-refs.js';
import { auditLine } from './views/audit-line.js';
import { outcomeDm } from './views/notices.js';
import { requestMessage } from './views/request-message.js';

export interface MessengerDeps {
  client: WebClient;
  slack: SlackConfig;
  config: Pick<Config, 'policy' | 'durations'>;
  directory: SlackDirectory;
  refs: MessageRefs;
  providerNames: Record<string, string>;
  approvalUrl(grant: Grant): Promise<string>;
  logger: Logger;
  now(): number;
}

/** Slack errors that retrying cannot fix: give up on this surface, keep the grant as it is. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'user_not_found',
]);

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
      now: deps.now(),
    };
  }

  /** Brings every Slack surface of the grant up to date with its current state. */
  async sync(grant: Grant, status: string): Promise<void> {
    await this.guard(async () => {
      const ctx = await this.viewContext(grant);
      const message = requestMessage(grant, ctx);
      const ref = await this.deps.refs.get(grant.id);
      if (ref) {
        await this.deps.client.chat.update({
          channel: ref.channel,
          ts: ref.ts,
          text: message.text,
          blocks: message.blocks,
        });
      } else if (grant.status === 'pending') {
        await this.deliver(grant, ctx, message);
      }
      if (grant.status === 'pending') await this.deps.refs.markPending(grant.id, grant.decideBy);
      else if (grant.status === 'approved' && grant.expiresAt)
        await this.deps.refs.markActive(grant.id, grant.expiresAt);
      else await this.deps.refs.markDone(grant.id);

      if (status === grant.status) {
        await this.notifyRequester(grant, ctx);
        await this.auditChannel(grant, ctx, status);
      }
    });
  }

  /** Self-approvals go to the requester's DM, team approvals to the approvals channel; the link always works. */
  private async deliver(grant: Grant, ctx: ViewContext, message: { text: string; blocks: unknown[] }) {
    const { slack, config, client, refs, logger } = this.deps;
    const requester = ctx.requester.slackUserId;
    const canSelfApprove = mayDecide(
      grant,
      { userId: grant.owner.userId },
      { selfApprove: config.policy.selfApprove, approverEmails: [] },
      grant.level,
    ).ok;
    const channel =
      requester && (canSelfApprove || !slack.approvalsChannel) ? requester : (slack.approvalsChannel ?? null);
    if (!channel) {
      logger.info(
        { grantId: grant.id },
        'no Slack destination for this request; the consent link still works',
      );
      return;
    }
    const posted = await client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks as never,
    });
    if (!posted.channel || !posted.ts) return;
    if (!(await refs.claim(grant.id, { channel: posted.channel, ts: posted.ts }))) {
      // Another worker got there first (a retried job): keep one message per grant.
      await client.chat.delete({ channel: posted.channel, ts: posted.ts }).catch(() => undefined);
    }
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

  private async auditChannel(grant: Grant, ctx: ViewContext, status: string) {
    const channel = this.deps.slack.auditChannel;
    if (!channel) return;
    const ref = await this.deps.refs.get(grant.id);
    const permalink = ref
      ? await this.deps.client.chat
          .getPermalink({ channel: ref.channel, message_ts: ref.ts })
          .then((r) => r.permalink ?? null)
          .catch(() => null)
      : null;
    const line = auditLine(status === 'pending' ? 'requested' : status, grant, { ...ctx, permalink });
    await this.deps.client.chat.postMessage({
      channel,
      text: line.text,
      blocks: line.blocks as never,
      unfurl_links: false,
    });
  }

  /** Slack's 429 becomes a queue pause; permanent errors are logged and dropped; the rest retry. */
  private async guard(work: () => Promise<void>) {
    try {
      await work();
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number };
      if (e.code === 'slack_webapi_rate_limited_error') throw new RetryLater((e.retryAfter ?? 1) * 1000);
      const code = platformError(error);
      if (code && PERMANENT.has(code)) {
        this.deps.logger.warn({ code }, 'Slack refused an update; giving up on it');
        return;
      }
      throw error;
    }
  }
}
