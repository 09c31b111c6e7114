// The Web API methods Countersign calls, each answering with Slack's documented fields and error codes.
import {
  type ApiContext,
  ApiError,
  type Args,
  blocksArg,
  botChannel,
  channelArg,
  channelObject,
  jsonArg,
  knownUser,
  messageBody,
  metadataArg,
  str,
  userObject,
} from './api-args.js';
import { conversationsHistory } from './history.js';
import { requireOpenScope } from './scopes.js';
import type { Block, SlackChannel } from './types.js';
import { validateBlocks, withBlockIds } from './validate.js';

type Handler = (args: Args, ctx: ApiContext) => Block;

export const METHODS: Record<string, { token: 'bot' | 'app'; run: Handler }> = {
  'auth.test': {
    token: 'bot',
    run: (_args, { state }) => ({
      url: `https://${state.team.domain}.slack.com/`,
      team: state.team.name,
      user: state.bot.name,
      team_id: state.team.id,
      user_id: state.bot.userId,
      bot_id: state.bot.botId,
      app_id: state.bot.appId,
      is_enterprise_install: false,
    }),
  },
  'chat.postMessage': {
    token: 'bot',
    run: (args, { state }) => {
      const channel = botChannel(state, args, true);
      const blocks = blocksArg(args);
      const text = str(args.text) ?? '';
      if (!text && !blocks?.length) throw new ApiError('no_text');
      const message = state.post(channel.id, {
        text,
        blocks: blocks ?? [],
        thread_ts: str(args.thread_ts),
        metadata: metadataArg(args),
      });
      return { channel: channel.id, ts: message.ts, message: messageBody(message) };
    },
  },
  'chat.update': {
    token: 'bot',
    run: (args, { state }) => {
      const channel = botChannel(state, args, false);
      const message = state.findMessage(channel.id, str(args.ts) ?? '');
      if (!message) throw new ApiError('message_not_found');
      if (message.bot_id !== state.bot.botId) throw new ApiError('cant_update_message');
      // Slack keeps the previous blocks when `blocks` is left out; an empty array removes them.
      const blocks = blocksArg(args) ?? (args.blocks === undefined ? message.blocks : []);
      const text = str(args.text) ?? message.text;
      state.update(message, { text, blocks });
      return { channel: channel.id, ts: message.ts, text, message: messageBody(message) };
    },
  },
  'chat.delete': {
    token: 'bot',
    run: (args, { state }) => {
      const channel = channelArg(state, args, false);
      const message = state.findMessage(channel.id, str(args.ts) ?? '');
      if (!message) throw new ApiError('message_not_found');
      if (message.bot_id !== state.bot.botId) throw new ApiError('cant_delete_message');
      state.delete(message);
      return { channel: channel.id, ts: message.ts };
    },
  },
  'chat.postEphemeral': {
    token: 'bot',
    run: (args, { state }) => {
      // A conversation id: Slack does not take a user id here (channel_not_found), unlike chat.postMessage.
      const channel = botChannel(state, args, false);
      const user = knownUser(state, str(args.user));
      if (!state.isMember(channel, user.id)) throw new ApiError('user_not_in_channel');
      const blocks = blocksArg(args);
      const text = str(args.text) ?? '';
      if (!text && !blocks?.length) throw new ApiError('no_text');
      const eph = state.postEphemeral(
        channel.id,
        user.id,
        { text, blocks: blocks ?? [] },
        'chat.postEphemeral',
      );
      return { message_ts: eph.message_ts };
    },
  },
  'chat.getPermalink': {
    token: 'bot',
    run: (args, { state }) => {
      const channel = channelArg(state, args, false);
      const message = state.findMessage(channel.id, str(args.message_ts) ?? '');
      if (!message) throw new ApiError('message_not_found');
      const permalink = `https://${state.team.domain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`;
      return { channel: channel.id, permalink };
    },
  },
  'conversations.info': {
    token: 'bot',
    run: (args, { state }) => {
      const channel = channelArg(state, args, false);
      const visible = channel.kind !== 'channel' || !channel.private;
      if (!visible && !state.isMember(channel, state.bot.userId)) throw new ApiError('channel_not_found');
      return { channel: channelObject(state, channel) };
    },
  },
  'conversations.open': {
    token: 'bot',
    run: (args, { state, scopes }) => {
      let channel: SlackChannel | undefined;
      if (args.channel !== undefined) channel = channelArg(state, args, false);
      else {
        const ids = (str(args.users) ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!ids.length) throw new ApiError('not_enough_users');
        if (ids.length > 8) throw new ApiError('too_many_users');
        const users = ids.map((id) => knownUser(state, id));
        if (users.some((u) => u.deleted)) throw new ApiError('user_disabled');
        channel = users.length === 1 ? state.dmFor(users[0]!.id) : state.groupDmFor(ids);
      }
      requireOpenScope(scopes, channel);
      if (args.return_im !== 'true' && args.return_im !== true) return { channel: { id: channel.id } };
      return {
        channel: {
          id: channel.id,
          created: 1_700_000_000,
          is_im: channel.kind === 'im',
          is_mpim: channel.kind === 'mpim',
          is_org_shared: false,
          ...(channel.user ? { user: channel.user } : {}),
          is_open: true,
        },
      };
    },
  },
  'conversations.history': { token: 'bot', run: conversationsHistory },
  'users.lookupByEmail': {
    token: 'bot',
    run: (args, { state }) => {
      const user = state.userByEmail(str(args.email) ?? '');
      // Deactivated people are "not found" too, as in Slack.
      if (!user || user.deleted) throw new ApiError('users_not_found');
      return { user: userObject(state, user) };
    },
  },
  'users.info': {
    token: 'bot',
    run: (args, { state }) => {
      const id = str(args.user);
      if (id === state.bot.userId) {
        return {
          user: {
            id,
            team_id: state.team.id,
            name: state.bot.name,
            deleted: false,
            real_name: state.bot.name,
            is_bot: true,
            is_app_user: false,
            profile: { bot_id: state.bot.botId, real_name: state.bot.name, display_name: '' },
          },
        };
      }
      return { user: userObject(state, knownUser(state, id)) };
    },
  },
  'usergroups.list': {
    token: 'bot',
    run: (args, { state }) => {
      // Slack answers every group of the workspace; members only with include_users, a count with include_count.
      const withUsers = args.include_users === 'true' || args.include_users === true;
      const withCount = args.include_count === 'true' || args.include_count === true;
      return {
        usergroups: [...state.usergroups.values()].map((group) => ({
          id: group.id,
          team_id: state.team.id,
          is_usergroup: true,
          is_subteam: true,
          name: group.handle,
          description: '',
          handle: group.handle,
          is_external: false,
          date_create: 1_700_000_000,
          date_update: 1_700_000_000,
          date_delete: 0,
          auto_type: null,
          created_by: state.bot.userId,
          updated_by: state.bot.userId,
          deleted_by: null,
          prefs: { channels: [], groups: [] },
          ...(withUsers ? { users: [...group.users] } : {}),
          ...(withCount ? { user_count: group.users.length } : {}),
        })),
      };
    },
  },
  'usergroups.users.list': {
    token: 'bot',
    run: (args, { state }) => {
      const group = state.usergroups.get(str(args.usergroup) ?? '');
      if (!group) throw new ApiError('no_such_subteam');
      return { users: [...group.users] };
    },
  },
  'views.publish': {
    token: 'bot',
    run: (args, { state }) => {
      const invalid = (message: string) =>
        new ApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
      const userId = str(args.user_id);
      if (!userId || !state.users.has(userId)) throw invalid('invalid `user_id`');
      const view = jsonArg(args, 'view') as Block | undefined;
      if (!view || typeof view !== 'object' || view.type !== 'home') throw invalid('invalid `view`');
      const errors = validateBlocks(view.blocks ?? [], 'home');
      if (errors.length) throw invalid(errors.join('; '));
      const current = state.homes.get(userId);
      if (args.hash !== undefined && current && str(args.hash) !== current.hash)
        throw new ApiError('hash_conflict');
      const home = state.publishHome(userId, { ...view, blocks: withBlockIds(view.blocks ?? []) });
      return { view: structuredClone(home) };
    },
  },
  'apps.connections.open': {
    token: 'app',
    run: (_args, ctx) => ({ url: ctx.socketUrl() }),
  },
};
