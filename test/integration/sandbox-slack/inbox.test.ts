// The inbox page in a real browser: pick a person, change the form, click, and a signed block_actions reaches Bolt.
import { mkdir } from 'node:fs/promises';
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { launchChromium } from '../../support/chromium.js';
import {
  approvalBlocks,
  BOT_TOKEN,
  type BoltReceiver,
  SIGNING_SECRET,
  startBoltReceiver,
  webClient,
} from './helpers.js';

let standIn: SlackStandIn;
let receiver: BoltReceiver;
let browser: Browser;
let page: Page;
const actions: BlockAction<ButtonAction>[] = [];
const commands: Array<{ text: string; channel_id: string; user_id: string }> = [];

beforeAll(async () => {
  standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
  receiver = await startBoltReceiver(standIn, (app) => {
    app.action<BlockAction<ButtonAction>>('cs_approve', async ({ ack, body, respond, client }) => {
      await ack();
      actions.push(body);
      await respond({
        replace_original: true,
        text: 'Approved',
        blocks: [
          {
            type: 'section',
            block_id: 'cs_done_v2',
            text: { type: 'mrkdwn', text: '*Approved* by <@U0BOB>' },
          },
        ],
      });
      await client.chat.postEphemeral({
        channel: body.channel!.id,
        user: body.user.id,
        text: 'Thanks, noted.',
      });
    });
    app.action<BlockAction<ButtonAction>>('cs_revoke', async ({ ack, body }) => {
      await ack();
      actions.push(body);
    });
    app.command('/countersign', async ({ ack, command }) => {
      commands.push(command);
      await ack(`Audit asked for: ${command.text}`);
    });
  });
  standIn.setEventsUrl(receiver.eventsUrl);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await receiver.close();
  await standIn.close();
});

describe('inbox page', () => {
  it('renders the DM for the chosen person and sends their form state with a click', async () => {
    const posted = await webClient(standIn).chat.postMessage({
      channel: 'U0BOB',
      text: 'Access request',
      blocks: approvalBlocks(),
    });
    const ts = posted.ts!;
    await page.goto(standIn.inboxUrl);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.getByTestId('as-picker').selectOption('U0BOB');
    await expect.poll(() => page.getByTestId('conversation-title').textContent()).toContain('DM');

    const message = page.getByTestId(`message-${ts}`);
    await message.waitFor();
    // Mentions, escaped text and links come out as a reader sees them, with nothing injected.
    await expect
      .poll(() => message.locator('.blk.section').first().textContent())
      .toBe('@alice asks for access <script> why');
    expect(await message.locator('script').count()).toBe(0);
    expect(await message.locator('a[href="https://example.com/why"]').count()).toBe(1);

    const notion = message.getByTestId('checkbox-cs_providers-notion');
    expect(await notion.isChecked()).toBe(true);
    await notion.uncheck();
    await message.getByTestId('checkbox-cs_providers-github').check();
    await message.getByTestId('radio-cs_level-write').check();
    await message.getByTestId('input-cs_notes').fill('only ENG');
    // One poll later the edits must still be there: the page only re-renders messages that changed.
    await page.waitForTimeout(1_300);
    expect(await notion.isChecked()).toBe(false);

    let dialogText = '';
    page.once('dialog', (dialog) => {
      dialogText = dialog.message();
      void dialog.accept();
    });
    await message.getByTestId('button-cs_approve').click();
    await page.locator('[data-testid="click-result"][data-result="ok"]').waitFor();
    expect(dialogText).toContain('Approve access?');

    expect(actions).toHaveLength(1);
    const body = actions[0]!;
    expect(body).toMatchObject({
      user: { id: 'U0BOB' },
      container: { channel_id: 'D0BOB', message_ts: ts },
      actions: [{ action_id: 'cs_approve', value: 'grant_01TEST' }],
    });
    const values = body.state!.values;
    expect(values.cs_providers_read_v1!.cs_providers!.selected_options!.map((o) => o.value)).toEqual([
      'linear',
    ]);
    expect(values.cs_providers_write_v1!.cs_providers!.selected_options!.map((o) => o.value)).toEqual([
      'snowflake',
      'github',
    ]);
    expect(values.cs_level_v1!.cs_level!.selected_option?.value).toBe('write');
    expect(values.cs_notes_v1!.cs_notes!.value).toBe('only ENG');
    // Bolt verified the signature (it answers 401 otherwise); the request was the bare form type.
    expect(receiver.requests.at(-1)).toMatchObject({
      status: 200,
      contentType: 'application/x-www-form-urlencoded',
    });

    // The app's respond() replaced the message, and its ephemeral shows for Bob only.
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toContain('Approved by @bob');
    expect(await message.textContent()).toContain('(edited)');
    await page.getByText('Thanks, noted.').waitFor();

    await page.getByTestId('as-picker').selectOption('U0ALICE');
    // Both DMs have the same title: the address names whose view the page has rendered.
    await expect.poll(() => new URL(page.url()).searchParams.get('as')).toBe('U0ALICE');
    expect(await page.getByTestId('conversation-title').textContent()).toContain('DM');
    expect(await page.getByText('Thanks, noted.').count()).toBe(0);
    expect(await page.getByTestId(`message-${ts}`).count()).toBe(0);
  }, 120_000);

  it('a cancelled confirm dialog sends nothing', async () => {
    const posted = await webClient(standIn).chat.postMessage({
      channel: 'U0BOB',
      text: 'Another',
      blocks: approvalBlocks('grant_02TEST'),
    });
    await page.goto(`${standIn.inboxUrl}?as=U0BOB`);
    const message = page.getByTestId(`message-${posted.ts}`);
    await message.waitFor();
    page.once('dialog', (dialog) => void dialog.dismiss());
    const before = actions.length;
    await message.getByTestId('button-cs_approve').click();
    await page.waitForTimeout(300);
    expect(actions).toHaveLength(before);
    // The approved request, Bob's ephemeral and a pending request with its form, for people to look at.
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/slack-inbox.png', fullPage: true });
  }, 120_000);

  it('the Home entry shows the published view, and its buttons send view-container clicks', async () => {
    await webClient(standIn).views.publish({
      user_id: 'U0ALICE',
      view: {
        type: 'home',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Your grants' } },
          {
            type: 'section',
            block_id: 'grant_01HOME',
            text: { type: 'mrkdwn', text: '*Linear* (read) until 18:00' },
            accessory: {
              type: 'button',
              action_id: 'cs_revoke',
              style: 'danger',
              text: { type: 'plain_text', text: 'Revoke' },
              value: 'grant_01HOME',
            },
          },
        ],
      },
    });
    await page.goto(`${standIn.inboxUrl}?as=U0ALICE&conv=home`);
    const home = page.getByTestId('home');
    await home.getByText('Your grants').waitFor();
    const before = actions.length;
    await home.getByTestId('button-cs_revoke').click();
    await page.locator('[data-testid="click-result"][data-result="ok"]').waitFor();
    expect(actions).toHaveLength(before + 1);
    expect(actions.at(-1)).toMatchObject({
      user: { id: 'U0ALICE' },
      container: { type: 'view' },
      actions: [{ action_id: 'cs_revoke', value: 'grant_01HOME', block_id: 'grant_01HOME' }],
    });
  }, 120_000);

  it('sends a /countersign typed in the message box as Slack sends it (escaped), and shows the answer', async () => {
    await page.goto(`${standIn.inboxUrl}?as=U0BOB&conv=${standIn.channelFor('U0BOB')}`);
    await page.getByTestId('message-box').fill('/countersign audit @alice');
    await page.getByTestId('message-box').press('Enter');
    await expect.poll(() => commands.length, { timeout: 20_000 }).toBe(1);
    // manifest.yml sets should_escape: true, so Slack turns the typed @alice into a mention.
    expect(commands[0]).toMatchObject({
      text: 'audit <@U0ALICE|alice>',
      user_id: 'U0BOB',
      channel_id: standIn.channelFor('U0BOB'),
    });
    await page.getByText('Audit asked for: audit').waitFor({ timeout: 20_000 });
    // Anything but a slash command is not sent.
    await page.getByTestId('message-box').fill('hello there');
    await page.getByTestId('message-box').press('Enter');
    await page.getByText('Only slash commands can be sent here').waitFor();
    expect(commands).toHaveLength(1);
  }, 120_000);
});
