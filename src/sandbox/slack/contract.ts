// The stand-in's public contract: start options and the handle tests and sandbox mode drive it through.
import type { EnvelopeType } from './socket-mode.js';
import type {
  Block,
  ClickOptions,
  DeliveryOptions,
  DeliveryResult,
  HomeClickOptions,
  HomeView,
  ResponseUrlPost,
  SlackApiCall,
  SlackBotIdentity,
  SlackEphemeral,
  SlackMessage,
  SlackOutage,
  SlackRateLimitRule,
  SlackUser,
  SlackUsergroup,
  SlashCommandOptions,
} from './types.js';

export type { EnvelopeType } from './socket-mode.js';

export interface SlackStandInOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  signingSecret: string;
  /** The bot token (`xoxb-…`) the app's WebClient uses. */
  botToken: string;
  /** App-level token (`xapp-…`) for apps.connections.open; without it Socket Mode is refused. */
  appToken?: string;
  /** Default T0SANDBOX (domain "sandbox"). */
  teamId?: string;
  teamDomain?: string;
  /** Default: alice, bob and mallory as U0ALICE, U0BOB, U0MALLORY. */
  people?: readonly SlackUser[];
  /** Default: S0APPROVERS (@approvers) = [U0BOB]. */
  usergroups?: readonly SlackUsergroup[];
  /** Default: #general (C0GENERAL) and #access-approvals (C0APPROVALS), every person a member. */
  channels?: ReadonlyArray<{ id: string; name: string; private?: boolean }>;
  /**
   * Channels the bot was invited to; elsewhere its posts get not_in_channel, as in Slack. Default: every
   * channel (tests and the sandbox invite it where they point the app); [] for a fresh install.
   */
  botIn?: readonly string[];
  /** Slash-command text escaping (the manifest's should_escape). Default: manifest.yml's. */
  shouldEscape?: boolean;
  /** Every Web API answer is this much later (default 0); see setLatency. */
  latencyMs?: number;
  bot?: Partial<SlackBotIdentity>;
  /**
   * The bot token's OAuth scopes (also sent in `x-oauth-scopes`); a method needing one it lacks answers
   * `missing_scope`. Default: manifest.yml's.
   */
  scopes?: readonly string[];
  /** The app's request URL (our `/slack/events`) for HTTP-mode delivery; can be set later. */
  eventsUrl?: string;
  /** The legacy `token` field in payloads. */
  verificationToken?: string;
}

export interface WaitOptions {
  /** Also match messages already there (default: only the next post or update). */
  includeExisting?: boolean;
}

export interface SlackStandIn {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  /** What to pass as WebClient `slackApiUrl` / Bolt `clientOptions.slackApiUrl`. */
  apiUrl: string;
  /** The browser inbox. */
  inboxUrl: string;
  teamId: string;
  bot: SlackBotIdentity;
  setEventsUrl(url: string | undefined): void;
  /**
   * What Slack does when a request URL is saved in the app settings ("create from manifest" included): a
   * signed `url_verification` event whose `challenge` the app must echo within 3 s. `verified` is false when it
   * did not (wrong signing secret: 401; not listening; too slow; another body).
   */
  verifyEventsUrl(options?: Pick<DeliveryOptions, 'url' | 'signingSecret'>): Promise<UrlVerification>;
  /**
   * Web API calls so far (tokens never recorded), optionally for one method, in arrival order. `status` is
   * the HTTP status answered (200, 429, or an outage's); a 429 also carries the `retryAfter` it announced.
   */
  calls(method?: string): SlackApiCall[];
  /**
   * The next `times` calls (default: until switched off with null) get 429 with this Retry-After (default 1 s)
   * and `{ok:false,error:'ratelimited'}`, after the token checks. Replaces the method's previous setting.
   */
  rateLimit(method: string, limit: { retryAfterSeconds?: number; times?: number } | null): void;
  /**
   * While on, matching Web API calls (`'*'`: every method, apps.connections.open included; not
   * response_urls, the inbox or open sockets) get `status` (default 500) with a small HTML page, as Slack's
   * edge answers, before any token or rate-limit check; recorded with that status and `ok: false`. Ends
   * after `times` matching calls, at `untilMs` (epoch ms), whichever comes first, or on `null`. A method's
   * own outage is used before `'*'`; `null` ends only the one named. Throws on a status outside 400–599.
   */
  outage(method: string | '*', mode: SlackOutage | null): void;
  /**
   * A fixed-window rate limit for one method (per workspace, any token): at most `perWindow` calls go
   * through per window, the window starting with the first call after the previous one ended. Later calls
   * in the window get 429, `{ok:false,error:'ratelimited'}` and Retry-After = whole seconds until the
   * window ends (at least 1). Calls that pass the token checks use it up (even if the method then answers
   * a Slack error); 429s, outage answers and token errors do not. Checked after `rateLimit`'s one-shot
   * 429s. A new rule starts afresh; `null` puts Slack's default tier back (src/sandbox/slack/tiers.ts: the
   * tiers are always on, and chat.postMessage / chat.update are also paced per channel). Throws on perWindow
   * not a whole number, or windowSeconds not positive.
   */
  limit(method: string, rule: SlackRateLimitRule | null): void;
  /**
   * Slack paces chat.postMessage and chat.update per channel (about one a second, bursts of ten): on by default.
   * `false` turns that off, for a test whose subject is not Slack's pacing (a crash test posting fifty requests
   * into one channel at once); `true` puts it back with fresh windows.
   */
  channelPacing(on: boolean): void;
  /**
   * Calls that arrived inside a Retry-After window [at, at + retryAfter·1000) that an earlier 429 (from
   * `rateLimit` or `limit`) announced for the same method to the same token (bot or app), and for
   * chat.postMessage / chat.update (paced per channel) to the same channel, including calls that were
   * themselves 429s. Calls of `method` only, or of every method when omitted (each checked
   * against its own method's windows). Arrivals within `graceMs` (default 10) of a window's end are not
   * counted. A client that honours Retry-After makes none.
   */
  retryAfterViolations(method?: string, options?: { graceMs?: number }): SlackApiCall[];
  /**
   * The next call of `method` whose arguments (as recorded: JSON arguments parsed) satisfy `match` is carried
   * out (a post is posted), but its answer is held until `release()`: a client killed meanwhile never learns
   * it. `arrived` resolves with the call once it was carried out.
   */
  holdReply(
    method: string,
    match?: (args: Record<string, unknown>) => boolean,
  ): { arrived: Promise<{ method: string; args: Record<string, unknown> }>; release(): void };
  click(options: ClickOptions): Promise<DeliveryResult>;
  clickHome(options: HomeClickOptions): Promise<DeliveryResult>;
  /**
   * A slash command as the person typed it (`audit @alice`): sent with the text Slack sends for the
   * manifest's should_escape; its immediate answer (text or JSON) is shown as Slack would, or, when the ack
   * came after 3 s, "failed with the error operation_timeout".
   */
  slashCommand(options: SlashCommandOptions): Promise<DeliveryResult>;
  /** Wraps one event (e.g. `{type: 'app_home_opened', …}`) in an event_callback and delivers it. */
  event(event: Block, options?: DeliveryOptions): Promise<DeliveryResult>;
  appHomeOpened(
    userId: string,
    options?: DeliveryOptions & { tab?: 'home' | 'messages' },
  ): Promise<DeliveryResult>;
  /** `/invite @countersign` in a channel (id or name). */
  inviteBot(channel: string): void;
  /** The bot is removed from a channel. */
  removeBot(channel: string): void;
  /** Archives (or, with false, unarchives) a channel. */
  archive(channel: string, archived?: boolean): void;
  /** Web API answers come this much later from now on (a slow or distant Slack). */
  setLatency(ms: number): void;
  /** Sends any payload as Slack would (forged or hand-built payloads in security tests). */
  deliver(kind: EnvelopeType, payload: unknown, options?: DeliveryOptions): Promise<DeliveryResult>;
  socketConnections(): number;
  waitForSocket(timeoutMs?: number, count?: number): Promise<void>;
  disconnect(
    reason: 'warning' | 'refresh_requested' | 'link_disabled' | 'too_many_websockets' | string,
  ): void;
  /** Frames received from Socket Mode clients (acks), parsed. */
  socketFrames(): unknown[];
  messages(channel: string): SlackMessage[];
  /** The bot's DM channel id with the person (stable: U0BOB → D0BOB). */
  channelFor(userId: string): string;
  /** Messages in the person's DM with the bot. */
  dmOf(userId: string): SlackMessage[];
  ephemerals(userId: string): SlackEphemeral[];
  homeOf(userId: string): HomeView | null;
  waitForMessage(
    predicate: (message: SlackMessage, change: 'posted' | 'updated') => boolean,
    timeoutMs?: number,
    options?: WaitOptions,
  ): Promise<SlackMessage>;
  waitForEphemeral(
    predicate: (ephemeral: SlackEphemeral) => boolean,
    timeoutMs?: number,
  ): Promise<SlackEphemeral>;
  /** What the app posted to response_urls. */
  responses(): ResponseUrlPost[];
  /** While set, response_url posts fail with 404 and this error (e.g. 'expired_url'). */
  failResponseUrls(error: string | null): void;
  /** A message typed by a person (the app cannot edit it: cant_update_message). */
  say(options: { as: string; channel: string; text: string }): SlackMessage;
  close(): Promise<void>;
}

/** The outcome of `verifyEventsUrl`, as the app settings page reports it. */
export interface UrlVerification {
  verified: boolean;
  status: number;
  /** Why it failed, in the settings page's words; absent when verified. */
  problem?: string;
}
