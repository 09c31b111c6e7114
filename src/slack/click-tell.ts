// Tells a clicker what became of their click: through the click's response_url (Slack's hooks, valid 30 minutes
// and 5 uses, and not the Web API) while it lasts, else with chat.postEphemeral in the message's channel, or a DM
// for an App Home click.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../lib/logger.js';
import type { ClickRecord } from './click-record.js';
import { platformError } from './directory.js';
import type { Notice } from './views/notices.js';

/** Slack honours a response_url for 30 minutes; a little less leaves room for clocks and the post itself. */
const RESPONSE_URL_LIFE_MS = 29 * 60_000;
const RESPONSE_URL_TIMEOUT_MS = 5_000;

export interface ClickTellerDeps {
  /** Web API client for chat.postEphemeral (the gated one: it keeps to Slack's Retry-After). */
  client: WebClient;
  /**
   * Where a response_url may point: Slack's hooks and, in the sandbox, the stand-in. Anything else in a
   * payload is not posted to.
   */
  responseOrigins: readonly string[];
  logger: Logger;
  now(): number;
}

export class ClickTeller {
  constructor(private readonly deps: ClickTellerDeps) {}

  /**
   * Resolves once the clicker was told, or when Slack refused for good (no channel to post in, not a
   * member, …: logged). Throws while Slack fails, so a job can try again.
   */
  async tell(click: ClickRecord, notice: Notice): Promise<void> {
    if (await this.viaResponseUrl(click, notice)) return;
    try {
      const blocks = notice.blocks ? { blocks: notice.blocks } : {};
      // App Home has no conversation (Slack refuses an ephemeral addressed to a user id): a DM instead.
      if (click.channel)
        await this.deps.client.chat.postEphemeral({
          channel: click.channel,
          user: click.user,
          text: notice.text,
          ...blocks,
        });
      else await this.deps.client.chat.postMessage({ channel: click.user, text: notice.text, ...blocks });
    } catch (error) {
      const refusal = platformError(error);
      if (refusal === undefined) throw error;
      this.deps.logger.warn({ click: click.id, error: refusal }, 'Slack refused the click notice');
    }
  }

  /** True when Slack took it; false when there is no usable response_url or Slack answered with an error. */
  private async viaResponseUrl(click: ClickRecord, notice: Notice): Promise<boolean> {
    const url = click.responseUrl;
    if (!url || this.deps.now() - click.recordedAt > RESPONSE_URL_LIFE_MS) return false;
    if (!this.deps.responseOrigins.includes(originOf(url))) {
      this.deps.logger.warn({ click: click.id }, 'response_url outside Slack ignored');
      return false;
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          response_type: 'ephemeral',
          replace_original: false,
          text: notice.text,
          ...(notice.blocks ? { blocks: notice.blocks } : {}),
        }),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return true;
      // used_url / expired_url (404) and Slack's own failures alike: the Web API is the other way.
      this.deps.logger.info({ click: click.id, status: response.status }, 'response_url refused the notice');
    } catch (error) {
      this.deps.logger.info({ err: error, click: click.id }, 'response_url unreachable');
    }
    return false;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** Slack's hooks host, plus the origin of a configured API URL (the stand-in's). */
export function responseOrigins(apiUrl: string | undefined): string[] {
  const origins = ['https://hooks.slack.com'];
  if (apiUrl) {
    const origin = originOf(apiUrl);
    if (origin && !origins.includes(origin)) origins.push(origin);
  }
  return origins;
}
