// Builds what Slack sends an app: block_actions (with state.values from the blocks), slash commands and events.
import { randomBytes } from 'node:crypto';
import { actionEntry, findElement, isOptionElement, stateValues } from './block-state.js';
import { randomId, type SlackState } from './state.js';
import type {
  Block,
  SlackChannel,
  SlackEphemeral,
  SlackMessage,
  SlackUser,
  StateOverrides,
} from './types.js';

const triggerId = () =>
  `${Date.now()}${Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;

export interface PayloadContext {
  state: SlackState;
  verificationToken: string;
  baseUrl: () => string;
}

export interface InteractionTarget {
  user: SlackUser;
  actionId: string;
  blockId?: string;
  value?: string;
  overrides?: StateOverrides;
}

function interaction(ctx: PayloadContext, blocks: readonly Block[], t: InteractionTarget) {
  const target = findElement(blocks, t.actionId, t.blockId, t.value);
  if (!target) throw new Error(`no element with action_id ${t.actionId} to click`);
  const overrides = { ...t.overrides };
  // A select or radio click carries the chosen option in state as well as in the action.
  const type = String(target.element.type);
  if (t.value !== undefined && isOptionElement(type)) overrides[t.actionId] = t.value;
  const values = stateValues(blocks, overrides);
  const { state } = ctx;
  return {
    values,
    action: actionEntry(target, values, t.value),
    common: {
      type: 'block_actions',
      user: { id: t.user.id, username: t.user.name, name: t.user.name, team_id: state.team.id },
      api_app_id: state.bot.appId,
      token: ctx.verificationToken,
    },
    team: { id: state.team.id, domain: state.team.domain },
  };
}

/** A block_actions payload from a message (or an ephemeral message) as the given person clicks it. */
export function messageBlockActions(
  ctx: PayloadContext,
  channel: SlackChannel,
  source: { message: SlackMessage } | { ephemeral: SlackEphemeral },
  t: InteractionTarget,
): Block {
  const isEphemeral = 'ephemeral' in source;
  const ts = isEphemeral ? source.ephemeral.message_ts : source.message.ts;
  const blocks = isEphemeral ? source.ephemeral.blocks : source.message.blocks;
  const { values, action, common, team } = interaction(ctx, blocks, t);
  const responsePath = ctx.state.newResponseTarget('actions', {
    channel: channel.id,
    messageTs: ts,
    ephemeral: isEphemeral,
    user: t.user.id,
  });
  const m = isEphemeral ? undefined : source.message;
  return {
    ...common,
    container: { type: 'message', message_ts: ts, channel_id: channel.id, is_ephemeral: isEphemeral },
    trigger_id: triggerId(),
    team,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.name },
    ...(m
      ? {
          message: {
            type: 'message',
            user: m.user,
            ...(m.bot_id ? { bot_id: m.bot_id, app_id: m.app_id } : {}),
            team: m.team,
            ts: m.ts,
            text: m.text,
            blocks: structuredClone(m.blocks),
            ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
          },
        }
      : {}),
    state: { values },
    response_url: `${ctx.baseUrl()}${responsePath}`,
    actions: [action],
  };
}

/** A block_actions payload from the person's App Home (S3): a view container, no channel or response_url. */
export function homeBlockActions(ctx: PayloadContext, t: InteractionTarget): Block {
  const home = ctx.state.homes.get(t.user.id);
  if (!home) throw new Error(`${t.user.id} has no published Home view`);
  const { values, action, common, team } = interaction(ctx, home.blocks, t);
  return {
    ...common,
    container: { type: 'view', view_id: home.id },
    trigger_id: triggerId(),
    team,
    enterprise: null,
    is_enterprise_install: false,
    view: { ...structuredClone(home), state: { values } },
    actions: [action],
  };
}

/** Slash command form fields (S4), in Slack's order. */
export function slashCommandFields(
  ctx: PayloadContext,
  user: SlackUser,
  channel: SlackChannel,
  command: string,
  text: string,
): Record<string, string> {
  const { state } = ctx;
  const path = state.newResponseTarget('commands', { channel: channel.id, ephemeral: true, user: user.id });
  return {
    token: ctx.verificationToken,
    team_id: state.team.id,
    team_domain: state.team.domain,
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.name,
    command,
    text,
    api_app_id: state.bot.appId,
    is_enterprise_install: 'false',
    response_url: `${ctx.baseUrl()}${path}`,
    trigger_id: triggerId(),
  };
}

/** An Events API `event_callback` envelope around one event (S5.2). */
export function eventCallback(ctx: PayloadContext, event: Block): Block {
  const { state } = ctx;
  const eventTs = event.event_ts ?? state.nextTs();
  return {
    token: ctx.verificationToken,
    team_id: state.team.id,
    context_team_id: state.team.id,
    context_enterprise_id: null,
    api_app_id: state.bot.appId,
    event: { ...event, event_ts: eventTs },
    type: 'event_callback',
    event_id: randomId('Ev0', 10),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: state.team.id,
        user_id: state.bot.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: event.type, tid: state.team.id })).toString('base64url')}`,
  };
}
