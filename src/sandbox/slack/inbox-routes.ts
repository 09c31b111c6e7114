// The inbox at /sandbox/slack: the page, its polled data (conversations and rendered messages), and clicks.
import express, { type Router } from 'express';
import { inboxPage } from './inbox-page.js';
import type { NameLookup } from './mrkdwn.js';
import { renderEphemeral, renderHome, renderMessage } from './render.js';
import type { SlackState } from './state.js';
import type { ClickOptions, DeliveryResult, HomeClickOptions, SlackChannel } from './types.js';

export interface InboxActions {
  click(options: ClickOptions): Promise<DeliveryResult>;
  clickHome(options: HomeClickOptions): Promise<DeliveryResult>;
  /** The person opened the app's Home tab: Slack sends app_home_opened. */
  homeOpened(userId: string): Promise<DeliveryResult>;
  /** The person typed a slash command in a conversation (their DM with the app when none is given). */
  slashCommand(options: {
    as: string;
    channel?: string;
    command: string;
    text: string;
  }): Promise<DeliveryResult>;
}

const HOME = 'home';

interface Item {
  key: string;
  rev: string;
  html: string;
}

function names(state: SlackState): NameLookup {
  return {
    userName: (id) => (id === state.bot.userId ? state.bot.name : state.users.get(id)?.name),
    channelName: (id) => state.channels.get(id)?.name,
  };
}

const appName = (state: SlackState) => state.bot.name.charAt(0).toUpperCase() + state.bot.name.slice(1);

function conversationsFor(state: SlackState, as: string) {
  const dm = state.dmFor(as);
  const visible = [...state.channels.values()].filter((c) => c.kind !== 'im' && state.isMember(c, as));
  const entry = (c: SlackChannel, section: string, label: string) => ({
    id: c.id,
    label,
    section,
    count: state.messagesIn(c.id).length,
  });
  return [
    { id: HOME, label: `${appName(state)} — Home`, section: 'Apps', count: 0 },
    entry(dm, 'Direct messages', `${appName(state)} (app DM)`),
    ...visible.filter((c) => c.kind === 'mpim').map((c) => entry(c, 'Direct messages', c.name)),
    ...visible.filter((c) => c.kind === 'channel').map((c) => entry(c, 'Channels', `# ${c.name}`)),
  ];
}

function itemsFor(state: SlackState, as: string, conv: string): Item[] {
  const lookup = names(state);
  if (conv === HOME) {
    const home = state.homes.get(as);
    return [
      {
        key: `home:${home?.id ?? 'none'}`,
        rev: home?.hash ?? '',
        html: renderHome(home, { ...lookup, scope: 'home' }),
      },
    ];
  }
  const author = (user: string) =>
    user === state.bot.userId ? appName(state) : (state.users.get(user)?.real_name ?? user);
  const messages = state.messagesIn(conv).map((m) => ({
    ts: m.ts,
    item: {
      key: `${conv}:m:${m.ts}`,
      rev: String(m.edits),
      html: renderMessage(m, author(m.user), { ...lookup, scope: `m${m.ts}` }),
    },
  }));
  const ephemerals = state
    .ephemerals(as)
    .filter((e) => e.channel === conv)
    .map((e) => ({
      ts: e.message_ts,
      item: {
        key: `${conv}:e:${e.message_ts}`,
        rev: String(e.edits),
        html: renderEphemeral(e, appName(state), { ...lookup, scope: `e${e.message_ts}` }),
      },
    }));
  return [...messages, ...ephemerals].sort((a, b) => Number(a.ts) - Number(b.ts)).map((x) => x.item);
}

export function inboxRoutes(state: SlackState, actions: InboxActions): Router {
  const router = express.Router();
  // What each person looked at last (the page polls): opening the Home tab is a change to it.
  const looking = new Map<string, string>();
  router.get('/sandbox/slack', (_req, res) => {
    res.set('cache-control', 'no-store').type('html').send(inboxPage());
  });

  router.get('/sandbox/slack/data', (req, res) => {
    const people = [...state.users.values()].filter((u) => !u.deleted);
    const wantedAs = String(req.query.as ?? '');
    const as = state.users.has(wantedAs) ? wantedAs : (people[0]?.id ?? '');
    if (!as) return res.json({ as, conv: '', people: [], conversations: [], items: [], title: 'No people' });
    const conversations = conversationsFor(state, as);
    const wantedConv = String(req.query.conv ?? '');
    const conv = conversations.some((c) => c.id === wantedConv) ? wantedConv : state.dmFor(as).id;
    const current = conversations.find((c) => c.id === conv);
    if (conv === HOME && looking.get(as) !== HOME) void actions.homeOpened(as).catch(() => undefined);
    looking.set(as, conv);
    res.set('cache-control', 'no-store').json({
      as,
      conv,
      people: people.map((p) => ({
        id: p.id,
        label: `${p.real_name} (@${p.name})${p.title ? ` · ${p.title}` : ''}`,
      })),
      conversations,
      title: current?.label ?? conv,
      items: itemsFor(state, as, conv),
    });
  });

  // JSON only: a cross-site form cannot send application/json without a preflight, so pages elsewhere
  // cannot click on someone's behalf.
  router.post('/sandbox/slack/click', express.json({ limit: '200kb' }), async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const as = text(b.as);
    const actionId = text(b.actionId);
    if (!as || !actionId || !state.users.has(as))
      return res.status(400).json({ error: 'as and actionId are required' });
    const overrides = (b.state && typeof b.state === 'object' ? b.state : {}) as ClickOptions['state'];
    const common = { as, actionId, blockId: text(b.blockId), value: text(b.value), state: overrides };
    try {
      const result =
        b.surface === 'home'
          ? await actions.clickHome(common)
          : await actions.click({ ...common, channel: text(b.channel) ?? '', ts: text(b.ts) ?? '' });
      res.json({
        via: result.via,
        status: result.status,
        ackMs: result.ackMs,
        error: result.error,
        body: result.body,
      });
    } catch (error) {
      res.status(400).json({ error: (error as Error).message });
    }
  });

  // A slash command typed in the message box, sent as Slack sends it (JSON only, as for clicks). In the Home
  // tab there is no message box in Slack; the command goes to the person's DM with the app instead.
  router.post('/sandbox/slack/command', express.json({ limit: '20kb' }), async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const as = typeof b.as === 'string' ? b.as : '';
    const command = typeof b.command === 'string' ? b.command : '';
    const text = typeof b.text === 'string' ? b.text : '';
    const channel =
      typeof b.channel === 'string' && b.channel !== HOME && b.channel !== '' ? b.channel : undefined;
    if (!state.users.has(as) || !/^\/[a-z0-9_-]{1,31}$/i.test(command) || text.length > 4000)
      return res
        .status(400)
        .json({ error: 'as, a /command and text (at most 4,000 characters) are required' });
    try {
      const result = await actions.slashCommand({ as, command, text, ...(channel ? { channel } : {}) });
      res.json({ via: result.via, status: result.status, ackMs: result.ackMs, error: result.error });
    } catch (error) {
      res.status(400).json({ error: (error as Error).message });
    }
  });

  // `/invite @countersign` typed in a channel: the bot becomes a member (JSON only, as for clicks).
  router.post('/sandbox/slack/invite', express.json({ limit: '10kb' }), (req, res) => {
    const channel = (req.body as Record<string, unknown> | undefined)?.channel;
    try {
      if (typeof channel !== 'string' || !channel) throw new Error('channel is required');
      const joined = state.invite(channel, state.bot.userId);
      res.json({ ok: true, channel: joined.id });
    } catch (error) {
      res.status(400).json({ error: (error as Error).message });
    }
  });
  return router;
}
