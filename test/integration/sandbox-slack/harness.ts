// A stand-in wired to a real Bolt HTTP app that records what it receives, for the interaction tests.
import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import {
  approvalBlocks,
  BOT_TOKEN,
  type BoltReceiver,
  SIGNING_SECRET,
  startBoltReceiver,
  webClient,
} from './helpers.js';

type Responder = (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>>) => Promise<void>;

export interface Harness {
  standIn: SlackStandIn;
  receiver: BoltReceiver;
  client: WebClient;
  /** Every block_actions body the app acked. */
  actions: BlockAction[];
  commands: Array<Record<string, string>>;
  homeOpened: string[];
  /** What the action listener does after ack (e.g. respond); null for nothing. */
  respondWith: Responder | null;
  postApproval(channel?: string): Promise<{ channel: string; ts: string }>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
  const harness = {
    standIn,
    actions: [] as BlockAction[],
    commands: [] as Array<Record<string, string>>,
    homeOpened: [] as string[],
    respondWith: null as Responder | null,
  };
  const receiver = await startBoltReceiver(standIn, (app) => {
    app.action<BlockAction<ButtonAction>>(/.*/, async (args) => {
      await args.ack();
      harness.actions.push(args.body);
      await harness.respondWith?.(args);
    });
    app.command('/countersign', async ({ ack, command }) => {
      harness.commands.push(command as unknown as Record<string, string>);
      await ack(`You asked for: ${command.text}`);
    });
    app.event('app_home_opened', async ({ event, client: botClient }) => {
      harness.homeOpened.push(event.user);
      const revoke = {
        type: 'button' as const,
        action_id: 'cs_revoke',
        text: { type: 'plain_text' as const, text: 'Revoke' },
        value: 'g1',
      };
      await botClient.views.publish({
        user_id: event.user,
        view: { type: 'home', blocks: [{ type: 'actions', block_id: 'grant_01HOME', elements: [revoke] }] },
      });
    });
  });
  standIn.setEventsUrl(receiver.eventsUrl);
  const client = webClient(standIn);
  return Object.assign(harness, {
    receiver,
    client,
    postApproval: async (channel = 'U0BOB') => {
      const res = await client.chat.postMessage({
        channel,
        text: 'Access request',
        blocks: approvalBlocks(),
      });
      return { channel: res.channel!, ts: res.ts! };
    },
    close: async () => {
      await receiver.close();
      await standIn.close();
    },
  });
}
