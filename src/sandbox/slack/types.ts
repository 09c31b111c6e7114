// Public shapes of the Slack stand-in: its directory, what it stores, and what a delivery returns.

/** A Block Kit block or element as JSON; the stand-in only reads the fields it needs. */
// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is open-ended and checked at run time.
export type Block = Record<string, any>;

export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  /** Absent as in Slack for people whose profile shows none (guests, some SSO setups, hidden by an admin). */
  email?: string;
  is_bot: false;
  deleted: boolean;
  /** Shown next to the name in the inbox picker (Slack's profile title), e.g. "approver". */
  title?: string;
}

export interface SlackUsergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface SlackChannel {
  id: string;
  name: string;
  kind: 'channel' | 'im' | 'mpim';
  /** For an IM, the person on the other side of the bot. */
  user?: string;
  /** People and, once invited, the bot (its user id): Slack refuses the bot's posts elsewhere. */
  members: string[];
  archived?: boolean;
  /** A private channel the bot is not in is invisible to it (channel_not_found). */
  private?: boolean;
}

/** The bot the Web API tokens belong to. */
export interface SlackBotIdentity {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

export interface MessageVersion {
  text: string;
  blocks: Block[];
  at: number;
}

export interface SlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  /** Bot user id for the app's posts, a person's id for `say()`. */
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks: Block[];
  thread_ts?: string;
  metadata?: unknown;
  /** How many times the message was changed (chat.update or a response_url replace). */
  edits: number;
  /** Earlier versions, oldest first. */
  history: MessageVersion[];
}

export interface SlackEphemeral {
  channel: string;
  /** The only person who sees it. */
  user: string;
  message_ts: string;
  text: string;
  blocks: Block[];
  source: 'chat.postEphemeral' | 'response_url' | 'slash_command';
  edits: number;
}

export interface HomeView {
  id: string;
  team_id: string;
  type: 'home';
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  hash: string;
  state: { values: Record<string, unknown> };
  title: { type: 'plain_text'; text: string; emoji: boolean };
  clear_on_close: false;
  notify_on_close: false;
  close: null;
  submit: null;
  previous_view_id: null;
  root_view_id: string;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface SlackApiCall {
  method: string;
  /** Arguments as received, minus `token` (tokens are never recorded). */
  args: Record<string, unknown>;
  status: number;
  ok: boolean;
  error?: string;
  tokenKind: 'bot' | 'app' | 'none' | 'unknown';
  /** When the call arrived (epoch ms). */
  at: number;
  /** On a 429: the Retry-After it announced, in seconds; its window is [at, at + retryAfter * 1000). */
  retryAfter?: number;
}

/** `outage(method, mode)`: what matching Web API calls get while it lasts. */
export interface SlackOutage {
  /** HTTP status (400–599), default 500. */
  status?: number;
  /** Ends after this many matching calls (default: no count). */
  times?: number;
  /** Ends at this time, epoch ms (default: no end time). */
  untilMs?: number;
}

/** `limit(method, rule)`: a fixed-window rate limit, as Slack's tiers apply per method and workspace. */
export interface SlackRateLimitRule {
  /** Calls let through per window (0: every call is refused). */
  perWindow: number;
  /** Window length; a window starts with the first call after the previous one ended. */
  windowSeconds: number;
}

export interface ResponseUrlPost {
  url: string;
  body: unknown;
  status: number;
  /** What the post did to the stored conversation. */
  effect: 'replaced' | 'deleted' | 'posted' | 'ephemeral' | 'refused';
  at: number;
}

/** `state.values` overrides by action id: a value list for checkboxes, one value for selects, text for inputs. */
export type StateOverrides = Record<string, string | string[] | null>;

export interface DeliveryOptions {
  /** Default 'auto': the socket when a Socket Mode client is connected, otherwise HTTP to `eventsUrl`. */
  via?: 'auto' | 'http' | 'socket';
  /** Sign with this secret instead of the real one (bad-signature tests). */
  signingSecret?: string;
  /** Unix seconds to sign with, e.g. `now - 360` for a stale request. */
  timestamp?: number;
  /** Deliver to this URL instead of `eventsUrl`. */
  url?: string;
  /** How long to wait for the HTTP answer or the socket ack. Default 10 s (Slack gives up at 3 s: see ackMs). */
  timeoutMs?: number;
}

export interface DeliveryResult {
  via: 'http' | 'socket' | 'none';
  /** HTTP status; 200 for a socket ack; 0 when nothing answered (see `error`). */
  status: number;
  /** Response body, or the socket ack's `payload` as JSON text. */
  body: string;
  /** From sending to the answer; over 3 s Slack has already given up (`late`). */
  ackMs: number;
  /** The ack came after Slack's 3-second deadline: Slack shows the person the action or command failed. */
  late?: boolean;
  error?: string;
  /** The payload that was sent (parsed), for assertions. */
  payload: unknown;
}

export interface ClickOptions extends DeliveryOptions {
  /** Slack user id of the person clicking. */
  as: string;
  channel: string;
  ts: string;
  actionId: string;
  /** Narrows to one element when several share the action id. */
  blockId?: string;
  /** Button value to send (default: the element's own value); picks the option for overflow/selects. */
  value?: string;
  state?: StateOverrides;
}

export interface HomeClickOptions extends DeliveryOptions {
  as: string;
  actionId: string;
  blockId?: string;
  value?: string;
  state?: StateOverrides;
}

export interface SlashCommandOptions extends DeliveryOptions {
  as: string;
  text: string;
  /** Default: the person's DM with the bot. */
  channel?: string;
  /** Default '/countersign'. */
  command?: string;
}
