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
  return withBlockIds(blocks);
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
      email: user.email,
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
