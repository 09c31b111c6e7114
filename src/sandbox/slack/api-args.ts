// Web API argument handling shared by the methods: Slack errors, JSON-in-form arguments, common objects.
import type { SlackState } from './state.js';
import type { Block, SlackChannel, SlackMessage, SlackUser } from './types.js';
import { validateBlocks, withBlockIds } from './validate.js';

export interface ApiContext {
  state: SlackState;
  botToken: string;
  appToken?: string;
  /** The bot token's OAuth scopes (manifest.yml's by default). */
  scopes: ReadonlySet<string>;
  /** Issues a one-time Socket Mode URL for apps.connections.open. */
  socketUrl: () => string;
  /** Added before every Web API answer (a slow Slack), in ms. */
  latencyMs?: () => number;
}

export type Args = Record<string, unknown>;

/** A Slack `{ok:false}` answer (HTTP 200), with optional extra fields such as `errors`. */
export class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Block = {},
  ) {
    super(error);
  }
}

export const JSON_ARGS = ['blocks', 'view', 'metadata', 'attachments'];

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v === undefined ? undefined : String(v);

/** web-api JSON-encodes non-scalar arguments inside the form; JSON clients send them as they are. */
export function jsonArg(args: Args, name: string): unknown {
  const raw = args[name];
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(name === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
  }
}

export function blocksArg(args: Args): Block[] | undefined {
  const blocks = jsonArg(args, 'blocks');
  if (blocks === undefined || blocks === null || blocks === '') return undefined;
  if (!Array.isArray(blocks)) throw new ApiError('invalid_blocks_format');
  const errors = validateBlocks(blocks, 'message');
  if (errors.length) {
    throw new ApiError('invalid_blocks', {
      errors,
      response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
    });
  }
  // Slack's whole-message limit, beyond every per-block one: about 12,000 characters of text in all blocks.
  if (blocksTextLength(blocks) > BLOCKS_TEXT_MAX) throw new ApiError('msg_blocks_too_long');
  return withBlockIds(blocks);
}

/** What Slack is observed to accept in total across a message's blocks (msg_blocks_too_long beyond). */
export const BLOCKS_TEXT_MAX = 12_000;

function blocksTextLength(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + blocksTextLength(item), 0);
  if (!node || typeof node !== 'object') return 0;
  let total = 0;
  for (const [key, value] of Object.entries(node)) {
    total += key === 'text' && typeof value === 'string' ? value.length : blocksTextLength(value);
  }
  return total;
}

export function userObject(state: SlackState, user: SlackUser): Block {
  return {
    id: user.id,
    team_id: state.team.id,
    name: user.name,
    deleted: user.deleted,
    color: '9f69e7',
    real_name: user.real_name,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: {
      title: user.title ?? '',
      real_name: user.real_name,
      real_name_normalized: user.real_name,
      display_name: user.name,
      display_name_normalized: user.name,
      ...(user.email ? { email: user.email } : {}),
      team: state.team.id,
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    is_email_confirmed: true,
    has_2fa: false,
    updated: 1_700_000_000,
  };
}

export function messageBody(m: SlackMessage): Block {
  return {
    type: 'message',
    user: m.user,
    ...(m.bot_id ? { bot_id: m.bot_id, app_id: m.app_id } : {}),
    team: m.team,
    text: m.text,
    ts: m.ts,
    blocks: structuredClone(m.blocks),
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
  };
}

export function channelArg(state: SlackState, args: Args, allowUser: boolean): SlackChannel {
  const ref = str(args.channel);
  const channel = ref ? state.resolveChannel(ref, allowUser) : undefined;
  if (!channel) throw new ApiError('channel_not_found');
  return channel;
}

/**
 * A conversation the bot may write to, as Slack decides: archived → is_archived; a public channel it was not
 * invited to → not_in_channel; a private one it is not in does not exist for it (channel_not_found).
 */
export function botChannel(state: SlackState, args: Args, allowUser: boolean): SlackChannel {
  const channel = channelArg(state, args, allowUser);
  const member = channel.kind !== 'channel' || state.isMember(channel, state.bot.userId);
  if (!member && channel.private) throw new ApiError('channel_not_found');
  if (channel.archived) throw new ApiError('is_archived');
  if (!member) throw new ApiError('not_in_channel');
  return channel;
}

/** conversations.info's channel object, as the bot sees it. */
export function channelObject(state: SlackState, channel: SlackChannel): Block {
  const isChannel = channel.kind === 'channel';
  return {
    id: channel.id,
    name: channel.name,
    is_channel: isChannel && !channel.private,
    is_group: isChannel && channel.private === true,
    is_im: channel.kind === 'im',
    is_mpim: channel.kind === 'mpim',
    is_private: channel.kind !== 'channel' || channel.private === true,
    created: 1_700_000_000,
    is_archived: channel.archived === true,
    is_general: channel.name === 'general',
    is_shared: false,
    is_org_shared: false,
    ...(channel.kind === 'im'
      ? { user: channel.user }
      : { is_member: state.isMember(channel, state.bot.userId), name_normalized: channel.name }),
  };
}

export function knownUser(state: SlackState, id: string | undefined, error = 'user_not_found'): SlackUser {
  const user = id ? state.users.get(id) : undefined;
  if (!user) throw new ApiError(error);
  return user;
}

/**
 * chat.postMessage `metadata`: `{event_type, event_payload}` as Slack's message metadata takes it. Not JSON:
 * `invalid_metadata_format`; the wrong shape: `invalid_metadata_schema`.
 */
export function metadataArg(args: Args): Block | undefined {
  const raw = args.metadata;
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ApiError('invalid_metadata_format');
    }
  }
  const m = value as Block;
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new ApiError('invalid_metadata_format');
  const payloadOk = m.event_payload && typeof m.event_payload === 'object' && !Array.isArray(m.event_payload);
  if (typeof m.event_type !== 'string' || !/^[A-Za-z0-9_]{1,255}$/.test(m.event_type) || !payloadOk)
    throw new ApiError('invalid_metadata_schema');
  return { event_type: m.event_type, event_payload: m.event_payload };
}
