// A local Slack (Web API, Socket Mode, signed interactivity and a browser inbox) that speaks Slack's wire format.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { localBrowserOnly } from '../local-browser.js';
import { commandTextAsSent } from './command-text.js';
import type { SlackStandIn, SlackStandInOptions } from './contract.js';
import { applyCommandAnswer, deliver, type SenderContext } from './delivery.js';
import {
  SANDBOX_SLACK_BOT,
  SANDBOX_SLACK_CHANNELS,
  SANDBOX_SLACK_TEAM,
  SANDBOX_SLACK_USERGROUPS,
  SANDBOX_SLACK_USERS,
} from './directory.js';
import { inboxRoutes } from './inbox-routes.js';
import { repoManifest } from './manifest.js';
import {
  eventCallback,
  homeBlockActions,
  messageBlockActions,
  type PayloadContext,
  slashCommandFields,
} from './payloads.js';
import { responseUrlRoutes } from './responses.js';
import { SANDBOX_BOT_SCOPES } from './scopes.js';
import { SocketModeHub } from './socket-mode.js';
import { type MessageChange, SlackState } from './state.js';
import { retryAfterViolations } from './traffic.js';
import type {
  ClickOptions,
  DeliveryOptions,
  DeliveryResult,
  HomeClickOptions,
  SlackEphemeral,
  SlackMessage,
  SlackUser,
} from './types.js';
import { waitForEvent } from './wait.js';
import { webApiRoutes } from './web-api.js';

export { stateValues } from './block-state.js';
export type {
  EnvelopeType,
  SlackStandIn,
  SlackStandInOptions,
  UrlVerification,
  WaitOptions,
} from './contract.js';
export { slackSignature } from './delivery.js';
export * from './directory.js';
export { renderMrkdwn } from './mrkdwn.js';
export { SANDBOX_BOT_SCOPES } from './scopes.js';
export { RETRY_AFTER_GRACE_MS } from './traffic.js';
export type * from './types.js';
export { validateBlocks } from './validate.js';

const copy = <T>(value: T): T => structuredClone(value);

export async function startSlackStandIn(options: SlackStandInOptions): Promise<SlackStandIn> {
  const team = {
    id: options.teamId ?? SANDBOX_SLACK_TEAM.id,
    domain: options.teamDomain ?? SANDBOX_SLACK_TEAM.domain,
    name: SANDBOX_SLACK_TEAM.name,
  };
  const bot = { ...SANDBOX_SLACK_BOT, ...options.bot };
  const state = new SlackState(
    team,
    bot,
    options.people ?? SANDBOX_SLACK_USERS,
    options.usergroups ?? SANDBOX_SLACK_USERGROUPS,
    options.channels ?? SANDBOX_SLACK_CHANNELS,
    options.botIn,
  );
  const shouldEscape = options.shouldEscape ?? repoManifest().shouldEscape;
  let latencyMs = options.latencyMs ?? 0;
  let baseUrl = '';
  let eventsUrl = options.eventsUrl;
  const hub = new SocketModeHub(bot.appId, () => baseUrl.replace(/^http/, 'ws'));
  const pctx: PayloadContext = {
    state,
    verificationToken: options.verificationToken ?? 'sandbox-verification-token',
    baseUrl: () => baseUrl,
  };
  const sctx: SenderContext = {
    state,
    hub,
    signingSecret: options.signingSecret,
    eventsUrl: () => eventsUrl,
  };

  const person = (id: string): SlackUser => {
    const user = state.users.get(id);
    if (!user) throw new Error(`unknown Slack user ${id}`);
    return user;
  };
  const channelOf = (ref: string) => {
    const channel = state.resolveChannel(ref, true);
    if (!channel) throw new Error(`unknown channel ${ref}`);
    return channel;
  };

  const click = async (o: ClickOptions) => {
    const user = person(o.as);
    const channel = channelOf(o.channel);
    // The stand-in does not police who may click where: forged clicks are what security tests need.
    const message = state.findMessage(channel.id, o.ts);
    const ephemeral = message ? undefined : state.findEphemeral(user.id, o.ts);
    if (!message && !ephemeral) throw new Error(`no message ${o.ts} in ${channel.id} visible to ${user.id}`);
    const target = { user, actionId: o.actionId, blockId: o.blockId, value: o.value, overrides: o.state };
    const payload = messageBlockActions(
      pctx,
      channel,
      message ? { message } : { ephemeral: ephemeral! },
      target,
    );
    return deliver(sctx, 'interactive', payload, o);
  };
  const clickHome = async (o: HomeClickOptions) => {
    const target = {
      user: person(o.as),
      actionId: o.actionId,
      blockId: o.blockId,
      value: o.value,
      overrides: o.state,
    };
    return deliver(sctx, 'interactive', homeBlockActions(pctx, target), o);
  };

  /** Held replies are let go on close, so no request hangs past the stand-in. */
  const closers: Array<() => void> = [];

  const appHomeOpened = async (
    userId: string,
    o: DeliveryOptions & { tab?: 'home' | 'messages' } = {},
  ): Promise<DeliveryResult> => {
    const home = state.homes.get(person(userId).id);
    const event = {
      type: 'app_home_opened',
      user: userId,
      channel: state.dmFor(userId).id,
      tab: o.tab ?? 'home',
      ...(home ? { view: copy(home) } : {}),
    };
    return deliver(sctx, 'events_api', eventCallback(pctx, event), o);
  };

  const slashCommand: SlackStandIn['slashCommand'] = async (o) => {
    const user = person(o.as);
    const channel = o.channel ? channelOf(o.channel) : state.dmFor(user.id);
    const text = commandTextAsSent(state, o.text, shouldEscape);
    const fields = slashCommandFields(pctx, user, channel, o.command ?? '/countersign', text);
    const result = await deliver(sctx, 'slash_commands', fields, o);
    applyCommandAnswer(state, fields, result);
    return result;
  };

  const verifyEventsUrl: SlackStandIn['verifyEventsUrl'] = async (o = {}) => {
    const challenge = randomBytes(24).toString('base64url');
    const event = { token: pctx.verificationToken, challenge, type: 'url_verification' };
    const result = await deliver(sctx, 'events_api', event, { ...o, via: 'http', timeoutMs: 3_000 });
    if (result.status !== 200 || result.late)
      return { verified: false, status: result.status, problem: result.error ?? `HTTP ${result.status}` };
    // Slack takes the challenge as plain text, a form field or JSON {"challenge": …}.
    let echoed: unknown = result.body;
    try {
      echoed = (JSON.parse(result.body) as { challenge?: unknown }).challenge;
    } catch {
      echoed = new URLSearchParams(result.body).get('challenge') ?? result.body;
    }
    return echoed === challenge
      ? { verified: true, status: result.status }
      : { verified: false, status: result.status, problem: 'the answer did not contain the challenge' };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/', (_req, res) => res.redirect('/sandbox/slack'));
  // The inbox clicks and types as anyone: only for pages on this machine, never through a proxy or tunnel. A
  // rebound DNS name (evil.test → 127.0.0.1) makes a hostile page same-origin, so the Host must be a loopback name.
  app.use(
    '/sandbox/slack',
    localBrowserOnly((res) => void res.status(403).json({ ok: false, error: 'loopback_host_only' })),
  );
  app.use(
    webApiRoutes({
      state,
      botToken: options.botToken,
      appToken: options.appToken,
      scopes: new Set(options.scopes ?? SANDBOX_BOT_SCOPES),
      socketUrl: () => hub.issueUrl(),
      latencyMs: () => latencyMs,
    }),
  );
  app.use(responseUrlRoutes(state, () => baseUrl));
  app.use(
    inboxRoutes(state, { click, clickHome, homeOpened: (userId) => appHomeOpened(userId), slashCommand }),
  );
  app.use((_req, res) => {
    res.status(404).json({ ok: false, error: 'not_found' });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    // Body-parser errors carry a 4xx status; anything else is a bug in the stand-in.
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
    res.status(code).json({ ok: false, error: code === 500 ? 'internal_error' : 'invalid_request' });
  });

  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  hub.attach(server);
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    inboxUrl: `${baseUrl}/sandbox/slack`,
    teamId: team.id,
    bot: { ...bot },
    setEventsUrl: (url) => {
      eventsUrl = url;
    },
    verifyEventsUrl,
    calls: (method) => copy(method ? state.calls.filter((c) => c.method === method) : state.calls),
    rateLimit: (method, limit) => state.traffic.setRateLimit(method, limit),
    outage: (method, mode) => state.traffic.setOutage(method, mode),
    limit: (method, rule) => state.traffic.setLimit(method, rule),
    channelPacing: (on) => state.traffic.setChannelPacing(on),
    retryAfterViolations: (method, o = {}) => copy(retryAfterViolations(state.calls, method, o.graceMs)),
    holdReply: (method, match = () => true) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const arrived = new Promise<{ method: string; args: Record<string, unknown> }>((resolve) =>
        state.traffic.holdReply({ method, match, arrived: resolve, released }),
      );
      closers.push(release);
      return { arrived, release };
    },
    click,
    clickHome,
    slashCommand,
    inviteBot: (channel) => {
      state.invite(channel, bot.userId);
    },
    removeBot: (channel) => state.remove(channel, bot.userId),
    archive: (channel, archived = true) => {
      channelOf(channel).archived = archived;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    event: (event, o) => deliver(sctx, 'events_api', eventCallback(pctx, event), o),
    appHomeOpened,
    deliver: (kind, payload, o) => deliver(sctx, kind, payload, o),
    socketConnections: () => hub.connections,
    waitForSocket: (timeoutMs, count) => hub.waitForConnection(timeoutMs, count),
    disconnect: (reason) => hub.disconnect(reason),
    socketFrames: () => copy(hub.received),
    messages: (channel) => copy(state.messagesIn(channel)),
    channelFor: (userId) => state.dmFor(person(userId).id).id,
    dmOf: (userId) => copy(state.messagesIn(state.dmFor(person(userId).id).id)),
    ephemerals: (userId) => copy(state.ephemerals(userId)),
    homeOf: (userId) => copy(state.homes.get(userId) ?? null),
    waitForMessage: (predicate, timeoutMs = 5_000, waitOptions = {}) => {
      if (waitOptions.includeExisting) {
        for (const channel of state.channels.keys()) {
          const found = state.messagesIn(channel).find((m) => predicate(copy(m), 'posted'));
          if (found) return Promise.resolve(copy(found));
        }
      }
      return waitForEvent(state.events, 'message', timeoutMs, (...args) => {
        const [m, change] = args as [SlackMessage, MessageChange];
        return change !== 'deleted' && predicate(copy(m), change) ? copy(m) : undefined;
      });
    },
    waitForEphemeral: (predicate, timeoutMs = 5_000) =>
      waitForEvent(state.events, 'ephemeral', timeoutMs, (...args) => {
        const e = args[0] as SlackEphemeral;
        return predicate(copy(e)) ? copy(e) : undefined;
      }),
    responses: () => copy(state.responses),
    failResponseUrls: (error) => {
      state.responseUrlFailure = error;
    },
    say: ({ as, channel, text }) =>
      copy(state.post(channelOf(channel).id, { text, blocks: [] }, person(as).id)),
    close: async () => {
      for (const release of closers) release();
      await hub.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from SDK clients would otherwise hold close() open for seconds.
        server.closeAllConnections();
      });
    },
  };
}
