// The stand-in's workspace: people, conversations, messages, ephemerals, Home views and the call log.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { TrafficControl } from './traffic.js';
import type {
  Block,
  HomeView,
  ResponseUrlPost,
  SlackApiCall,
  SlackBotIdentity,
  SlackChannel,
  SlackEphemeral,
  SlackMessage,
  SlackUser,
  SlackUsergroup,
} from './types.js';

export interface Team {
  id: string;
  domain: string;
  name: string;
}

/** What a response_url points back at. */
export interface ResponseTarget {
  channel: string;
  /** Source message (absent for slash commands). */
  messageTs?: string;
  ephemeral: boolean;
  /** Whoever triggered it: the one who sees ephemeral replies. */
  user: string;
  uses: number;
  createdAt: number;
}

export type MessageChange = 'posted' | 'updated' | 'deleted';

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

export const randomId = (prefix: string, length = 10): string =>
  prefix +
  randomBytes(length)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(0, length);

export class SlackState {
  readonly users = new Map<string, SlackUser>();
  readonly usergroups = new Map<string, SlackUsergroup>();
  readonly channels = new Map<string, SlackChannel>();
  readonly homes = new Map<string, HomeView>();
  readonly calls: SlackApiCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  /** Outages, 429s and rate limits switched on by tests. */
  readonly traffic = new TrafficControl();
  readonly responseTargets = new Map<string, ResponseTarget>();
  /** Test switch: every response_url post fails with this Slack error (404). */
  responseUrlFailure: string | null = null;
  // Emits 'message' (message, change) and 'ephemeral' (ephemeral) so waiters need no polling.
  readonly events = new EventEmitter();
  private readonly messages = new Map<string, SlackMessage[]>();
  private ephemeralList: SlackEphemeral[] = [];
  private lastTsMicros = 0;

  constructor(
    readonly team: Team,
    readonly bot: SlackBotIdentity,
    users: readonly SlackUser[],
    usergroups: readonly SlackUsergroup[],
    channels: ReadonlyArray<{ id: string; name: string; private?: boolean }>,
    /** Channels the bot was invited to (default: every one). */
    botIn?: readonly string[],
  ) {
    this.events.setMaxListeners(0);
    for (const user of users) this.users.set(user.id, { ...user });
    for (const group of usergroups) this.usergroups.set(group.id, { ...group, users: [...group.users] });
    for (const channel of channels) {
      // Every person is in every channel: the sandbox has one small team.
      this.channels.set(channel.id, { ...channel, kind: 'channel', members: [...this.users.keys()] });
    }
    for (const channel of channels) {
      if (!botIn || botIn.includes(channel.id)) this.invite(channel.id, this.bot.userId);
    }
    // Each person's IM with the bot exists from the start, so its D… id works before conversations.open.
    for (const user of users) this.dmFor(user.id);
  }

  /** Slack ts: "seconds.micros", strictly increasing even within one millisecond. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  userByEmail(email: string): SlackUser | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.users.values()) if (user.email?.toLowerCase() === wanted) return user;
    return undefined;
  }

  /** The bot's IM with a person; ids are stable (U0BOB → D0BOB) so tests and the inbox can name them. */
  dmFor(userId: string): SlackChannel {
    for (const channel of this.channels.values()) {
      if (channel.kind === 'im' && channel.user === userId) return channel;
    }
    let id = `D${userId.slice(1)}`;
    for (let n = 2; this.channels.has(id); n++) id = `D${userId.slice(1)}${n}`;
    const channel: SlackChannel = { id, name: 'directmessage', kind: 'im', user: userId, members: [userId] };
    this.channels.set(id, channel);
    return channel;
  }

  groupDmFor(userIds: string[]): SlackChannel {
    const members = [...new Set(userIds)].sort();
    for (const channel of this.channels.values()) {
      if (channel.kind === 'mpim' && channel.members.join() === members.join()) return channel;
    }
    const channel: SlackChannel = {
      id: randomId('G0', 8),
      name: `mpdm-${members.map((id) => this.users.get(id)?.name ?? id).join('--')}-1`,
      kind: 'mpim',
      members,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A `channel` argument as chat.postMessage takes it: C/D/G id, a user id (→ DM), or a channel name. */
  resolveChannel(ref: string, allowUser: boolean): SlackChannel | undefined {
    const existing = this.channels.get(ref);
    if (existing) return existing;
    if (allowUser) {
      const user = this.users.get(ref);
      if (user && !user.deleted) return this.dmFor(user.id);
    }
    const name = ref.replace(/^#/, '');
    for (const channel of this.channels.values()) {
      if (channel.kind === 'channel' && channel.name === name) return channel;
    }
    return undefined;
  }

  /** `/invite @countersign` (or a person): the conversation gains the member; an unknown channel throws. */
  invite(channelId: string, userId: string): SlackChannel {
    const channel = this.resolveChannel(channelId, false);
    if (channel?.kind !== 'channel') throw new Error(`no channel ${channelId}`);
    if (!channel.members.includes(userId)) channel.members.push(userId);
    return channel;
  }

  /** The bot leaves (or is removed from) a channel. */
  remove(channelId: string, userId: string): void {
    const channel = this.resolveChannel(channelId, false);
    if (channel) channel.members = channel.members.filter((id) => id !== userId);
  }

  isMember(channel: SlackChannel, userId: string): boolean {
    return channel.members.includes(userId);
  }

  messagesIn(channelId: string): SlackMessage[] {
    return this.messages.get(channelId) ?? [];
  }

  findMessage(channelId: string, ts: string): SlackMessage | undefined {
    return this.messagesIn(channelId).find((m) => m.ts === ts);
  }

  post(
    channelId: string,
    content: { text: string; blocks: Block[]; thread_ts?: string; metadata?: unknown },
    author?: string,
  ): SlackMessage {
    const fromBot = author === undefined;
    const message: SlackMessage = {
      type: 'message',
      channel: channelId,
      ts: this.nextTs(),
      user: author ?? this.bot.userId,
      ...(fromBot ? { bot_id: this.bot.botId, app_id: this.bot.appId } : {}),
      team: this.team.id,
      text: content.text,
      blocks: content.blocks,
      ...(content.thread_ts ? { thread_ts: content.thread_ts } : {}),
      ...(content.metadata !== undefined ? { metadata: content.metadata } : {}),
      edits: 0,
      history: [],
    };
    const list = this.messages.get(channelId) ?? [];
    list.push(message);
    this.messages.set(channelId, list);
    this.events.emit('message', message, 'posted');
    return message;
  }

  update(message: SlackMessage, content: { text: string; blocks: Block[] }): SlackMessage {
    message.history.push({ text: message.text, blocks: message.blocks, at: Date.now() });
    message.text = content.text;
    message.blocks = content.blocks;
    message.edits += 1;
    this.events.emit('message', message, 'updated');
    return message;
  }

  delete(message: SlackMessage): void {
    const list = this.messagesIn(message.channel);
    const index = list.indexOf(message);
    if (index >= 0) list.splice(index, 1);
    this.events.emit('message', message, 'deleted');
  }

  ephemerals(userId?: string): SlackEphemeral[] {
    return userId === undefined ? this.ephemeralList : this.ephemeralList.filter((e) => e.user === userId);
  }

  findEphemeral(userId: string, ts: string): SlackEphemeral | undefined {
    return this.ephemeralList.find((e) => e.user === userId && e.message_ts === ts);
  }

  postEphemeral(
    channelId: string,
    userId: string,
    content: { text: string; blocks: Block[] },
    source: SlackEphemeral['source'],
  ): SlackEphemeral {
    const ephemeral: SlackEphemeral = {
      channel: channelId,
      user: userId,
      message_ts: this.nextTs(),
      text: content.text,
      blocks: content.blocks,
      source,
      edits: 0,
    };
    this.ephemeralList.push(ephemeral);
    this.events.emit('ephemeral', ephemeral);
    return ephemeral;
  }

  replaceEphemeral(ephemeral: SlackEphemeral, content: { text: string; blocks: Block[] }): void {
    ephemeral.text = content.text;
    ephemeral.blocks = content.blocks;
    ephemeral.edits += 1;
    this.events.emit('ephemeral', ephemeral);
  }

  deleteEphemeral(ephemeral: SlackEphemeral): void {
    this.ephemeralList = this.ephemeralList.filter((e) => e !== ephemeral);
  }

  /** A fresh response_url path, `/actions/T…/<n>/<secret>` (or `/commands/…`) as Slack's hooks URLs look. */
  newResponseTarget(
    kind: 'actions' | 'commands',
    target: Omit<ResponseTarget, 'uses' | 'createdAt'>,
  ): string {
    const path = `/${kind}/${this.team.id}/${Date.now()}${Math.floor(Math.random() * 1000)}/${randomBytes(12).toString('base64url')}`;
    this.responseTargets.set(path, { ...target, uses: 0, createdAt: Date.now() });
    return path;
  }

  /** The target for a response_url post, or the Slack error the post gets (404 in Slack). */
  useResponseTarget(path: string): ResponseTarget | { error: string } {
    if (this.responseUrlFailure) return { error: this.responseUrlFailure };
    const target = this.responseTargets.get(path);
    if (!target || Date.now() - target.createdAt > RESPONSE_URL_TTL_MS) return { error: 'expired_url' };
    if (target.uses >= RESPONSE_URL_USES) return { error: 'used_url' };
    target.uses += 1;
    return target;
  }

  recordCall(call: Omit<SlackApiCall, 'at'>, at = Date.now()): void {
    this.calls.push({ ...call, at });
    // Long sandbox sessions must not grow without bound.
    if (this.calls.length > 20_000) this.calls.splice(0, 5_000);
  }

  publishHome(userId: string, view: Block): HomeView {
    const previous = this.homes.get(userId);
    const id = previous?.id ?? randomId('V0', 9);
    const home: HomeView = {
      id,
      team_id: this.team.id,
      type: 'home',
      blocks: Array.isArray(view.blocks) ? view.blocks : [],
      private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
      callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
      external_id: typeof view.external_id === 'string' ? view.external_id : '',
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`,
      state: { values: {} },
      title: { type: 'plain_text', text: 'Home', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: id,
      app_id: this.bot.appId,
      app_installed_team_id: this.team.id,
      bot_id: this.bot.botId,
    };
    this.homes.set(userId, home);
    this.events.emit('home', userId, home);
    return home;
  }
}
