// Shared fixtures for the Slack stand-in tests: a real Bolt app behind ExpressReceiver, and approval-like blocks.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import express from 'express';
import { SANDBOX_SLACK_BOT, type SlackStandIn } from '../../../src/sandbox/slack/index.js';

export const SIGNING_SECRET = 'sandbox-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-sandbox-0000-bot-token';
export const APP_TOKEN = 'xapp-1-A0COUNTERSIGN-0000-app-token';

/** A real WebClient on the stand-in; `null` sends no token at all. */
export function webClient(standIn: SlackStandIn, token: string | null = BOT_TOKEN, retries = 0): WebClient {
  return new WebClient(token ?? undefined, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries },
    logLevel: WebLogLevel.ERROR,
  });
}

export interface ReceivedRequest {
  path: string;
  status: number;
  contentType: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
}

export interface BoltReceiver {
  /** Our /slack/events on this receiver. */
  eventsUrl: string;
  app: App;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A Bolt 5.1 app mounted as Countersign mounts it: ExpressReceiver on an express app, at /slack/events. */
export async function startBoltReceiver(
  standIn: SlackStandIn,
  register: (app: App) => void,
): Promise<BoltReceiver> {
  const web = express();
  const requests: ReceivedRequest[] = [];
  web.use((req, res, next) => {
    res.on('finish', () =>
      requests.push({
        path: req.path,
        status: res.statusCode,
        contentType: req.get('content-type'),
        signature: req.get('x-slack-signature'),
        timestamp: req.get('x-slack-request-timestamp'),
      }),
    );
    next();
  });
  const receiver = new ExpressReceiver({
    signingSecret: SIGNING_SECRET,
    app: web,
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    receiver,
    token: BOT_TOKEN,
    botId: SANDBOX_SLACK_BOT.botId,
    botUserId: SANDBOX_SLACK_BOT.userId,
    clientOptions: { slackApiUrl: standIn.apiUrl },
    logLevel: LogLevel.ERROR,
  });
  register(app);
  const server = web.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    app,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const mrkdwnOption = (value: string, label: string) => ({
  text: { type: 'mrkdwn', text: `*${label}*` },
  value,
});

/**
 * An approval request shaped like Countersign's: providers split over two checkbox groups sharing one action
 * id, a level radio, a duration select, a notes input, and approve/deny buttons.
 */
export function approvalBlocks(grantId = 'grant_01TEST') {
  const linear = mrkdwnOption('linear', 'Linear');
  const notion = mrkdwnOption('notion', 'Notion');
  const snowflake = mrkdwnOption('snowflake', 'Snowflake');
  const github = mrkdwnOption('github', 'GitHub');
  const oneHour = { text: { type: 'plain_text', text: '1 hour' }, value: '3600' };
  return [
    { type: 'header', block_id: 'cs_head_v1', text: { type: 'plain_text', text: 'Access request' } },
    {
      type: 'section',
      block_id: 'cs_intro_v1',
      text: {
        type: 'mrkdwn',
        text: '<@U0ALICE> asks for access &lt;script&gt; <https://example.com/why|why>',
      },
    },
    {
      type: 'input',
      block_id: 'cs_providers_read_v1',
      label: { type: 'plain_text', text: 'Read access' },
      element: {
        type: 'checkboxes',
        action_id: 'cs_providers',
        options: [linear, notion],
        initial_options: [linear, notion],
      },
    },
    {
      type: 'input',
      block_id: 'cs_providers_write_v1',
      label: { type: 'plain_text', text: 'Write access' },
      element: {
        type: 'checkboxes',
        action_id: 'cs_providers',
        options: [snowflake, github],
        initial_options: [snowflake],
      },
    },
    {
      type: 'input',
      block_id: 'cs_level_v1',
      label: { type: 'plain_text', text: 'Level' },
      element: {
        type: 'radio_buttons',
        action_id: 'cs_level',
        options: [
          { text: { type: 'plain_text', text: 'Read' }, value: 'read' },
          { text: { type: 'plain_text', text: 'Write' }, value: 'write' },
        ],
      },
    },
    {
      type: 'input',
      block_id: 'cs_duration_v1',
      label: { type: 'plain_text', text: 'Duration' },
      element: {
        type: 'static_select',
        action_id: 'cs_duration',
        options: [oneHour, { text: { type: 'plain_text', text: '1 day' }, value: '86400' }],
        initial_option: oneHour,
      },
    },
    {
      type: 'input',
      block_id: 'cs_notes_v1',
      optional: true,
      label: { type: 'plain_text', text: 'Notes' },
      element: { type: 'plain_text_input', action_id: 'cs_notes' },
    },
    {
      type: 'actions',
      block_id: 'cs_decide_v1',
      elements: [
        {
          type: 'button',
          action_id: 'cs_approve',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: grantId,
          confirm: {
            title: { type: 'plain_text', text: 'Approve access?' },
            text: { type: 'plain_text', text: 'Alice gets the ticked providers.' },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: 'cs_deny',
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: grantId,
        },
      ],
    },
  ];
}
