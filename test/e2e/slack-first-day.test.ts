// End to end, the first day with a real workspace: the app installed from manifest.yml, the bot invited to the
// audit channel but not the approvals channel. The self-check says so (log, /readyz, a DM to the admin), a
// request falls back to the approvers' DMs and the audit channel says so; once invited, requests land in the
// channel; `/countersign audit @alice` is sent as Slack sends it; with a slow Slack every ack is still in time.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { DeliveryResult, SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient } from '../support/mcp-client.js';
import { CAROL, type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
let assistant: Client;
const slack = () => env.slack!;
const BOB_ID = 'U0BOB';
const shown = (m: SlackMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;
const isRequest = (id: string) => (m: SlackMessage) =>
  JSON.stringify(m.blocks).includes('"action_id":"cs_approve"') && shown(m).includes(id);

beforeAll(async () => {
  env = await startEnvironment(
    { SELF_APPROVE: 'read', REMINDER_AT: '0' },
    { slack: 'http', slackBotIn: ['C0GENERAL'] },
  );
  const bearer = await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_first_day' });
  assistant = await connectClient(env.server.url, bearer, 'claude-code');
}, 40_000);
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

async function requestWrite(): Promise<string> {
  const requested = await callTool(assistant, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
  });
  return requested.structuredContent!.requestId as string;
}

describe('the first day in a real workspace', () => {
  it('passes Slack’s url_verification once it has the signing secret, not before (README setup order)', async () => {
    // "Create from manifest" checks the URL before the app is deployed with its signing secret: refused.
    const early = await slack().verifyEventsUrl({ signingSecret: 'the-secret-of-an-app-not-yet-deployed' });
    expect(early).toMatchObject({ verified: false, status: 401 });
    // Re-verified after deploying with SLACK_SIGNING_SECRET: the challenge comes back.
    expect(await slack().verifyEventsUrl()).toEqual({ verified: true, status: 200 });
  });

  it('reports the bot missing from the approvals channel: log, /readyz detail, one DM to the admin', async () => {
    await expect
      .poll(() => env.server.output(), { timeout: 20_000 })
      .toMatch(/Slack setup: The bot is not in #access-approvals \(APPROVALS_CHANNEL\)/);
    const res = await fetch(`${env.server.url}/readyz`);
    const body = (await res.json()) as {
      checks: Record<string, string>;
      details: Record<string, { problems?: string[] }>;
    };
    // A setup problem does not take the instance out of rotation.
    expect(res.status).toBe(200);
    expect(body.checks.slackSetup).toBe('problems');
    expect(body.details.slackSetup?.problems?.join('\n')).toMatch(/not in #access-approvals/);
    await expect
      .poll(
        () =>
          slack()
            .dmOf(CAROL.id)
            .map((m) => m.text),
        { timeout: 15_000 },
      )
      .toEqual([expect.stringMatching(/Slack setup needs attention[\s\S]*not in #access-approvals/)]);
  }, 40_000);

  it('sends a request to the approvers by DM when the channel refuses it, and says so in the audit channel', async () => {
    const requestId = await requestWrite();
    // One group DM of the approvers (Bob through @approvers, and Carol), so the buttons work for both.
    const inBobsDm = await slack().waitForMessage(isRequest(requestId), 20_000, { includeExisting: true });
    expect(inBobsDm.channel).toMatch(/^G/);
    const opened = slack()
      .calls('conversations.open')
      .find((c) => c.ok);
    expect(String(opened?.args.users).split(',').sort()).toEqual([BOB_ID, CAROL.id].sort());
    expect(slack().messages('C0APPROVALS')).toEqual([]);
    await slack().waitForMessage(
      (m) =>
        m.channel === 'C0GENERAL' && m.text.includes(requestId) && /went to the approvers by DM/.test(m.text),
      20_000,
      { includeExisting: true },
    );
    // The DM works as the channel message would.
    await slack().click({ as: BOB_ID, channel: inBobsDm.channel, ts: inBobsDm.ts, actionId: 'cs_approve' });
    await slack().waitForMessage(
      (m) => m.ts === inBobsDm.ts && JSON.stringify(m.blocks).includes('cs_revoke'),
      20_000,
      { includeExisting: true },
    );
    await callTool(assistant, 'release_access');
  }, 60_000);

  it('posts in the channel once the bot is invited', async () => {
    slack().inviteBot('C0APPROVALS');
    const requestId = await requestWrite();
    await slack().waitForMessage((m) => m.channel === 'C0APPROVALS' && isRequest(requestId)(m), 20_000, {
      includeExisting: true,
    });
    await callTool(assistant, 'release_access');
  }, 40_000);

  it('answers /countersign audit @alice as Slack sends it (escaped), and acks in time with a slow Slack', async () => {
    const answers = async (as: string, text: string) => {
      const seen = slack().ephemerals(as).length;
      const result = await slack().slashCommand({ as, text });
      await expect.poll(() => slack().ephemerals(as).length, { timeout: 20_000 }).toBeGreaterThan(seen);
      return {
        result,
        text: slack()
          .ephemerals(as)
          .slice(seen)
          .map((e) => e.text)
          .join('\n'),
      };
    };
    const audit = await answers(CAROL.id, 'audit @alice 1h');
    expect(audit.text).toMatch(/grant\.requested/);

    slack().setLatency(2_500);
    try {
      const acks: DeliveryResult[] = [];
      acks.push((await answers(CAROL.id, 'list')).result);
      acks.push((await answers(CAROL.id, 'check')).result);
      acks.push(await slack().appHomeOpened(CAROL.id));
      const requestId = await requestWrite();
      const pending = await slack().waitForMessage(isRequest(requestId), 30_000, { includeExisting: true });
      acks.push(
        await slack().click({ as: BOB_ID, channel: pending.channel, ts: pending.ts, actionId: 'cs_deny' }),
      );
      for (const ack of acks) {
        expect(ack.late).toBeFalsy();
        expect(ack.status).toBe(200);
      }
      // Slack never showed "failed with the error operation_timeout".
      expect(
        slack()
          .ephemerals(CAROL.id)
          .map((e) => e.text)
          .join('\n'),
      ).not.toMatch(/operation_timeout/);
    } finally {
      slack().setLatency(0);
    }
  }, 90_000);

  it('refuses a signed request stamped more than a minute in the future (Bolt alone allows five)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ahead = await slack().appHomeOpened('U0MALLORY', { timestamp: now + 150 });
    expect(ahead.status).toBe(401);
    await expect
      .poll(() => env.server.output(), { timeout: 10_000 })
      .toMatch(/stamped more than 60 s in the future/);
    // Clock skew within the minute is Slack's, not a forgery.
    const skewed = await slack().appHomeOpened('U0MALLORY', { timestamp: now + 20 });
    expect(skewed.status).toBe(200);
  }, 30_000);

  it('opens the Home tab from the inbox (app_home_opened), and tells App Home clicks by DM', async () => {
    expect(slack().homeOf(BOB_ID)).toBeNull();
    await fetch(`${slack().inboxUrl}/data?as=${BOB_ID}&conv=home`);
    await expect.poll(() => slack().homeOf(BOB_ID), { timeout: 20_000 }).not.toBeNull();

    const requestId = await requestWrite();
    await expect
      .poll(() => JSON.stringify(slack().homeOf(BOB_ID)?.blocks ?? []), { timeout: 20_000 })
      .toContain(requestId);
    const before = slack().dmOf(BOB_ID).length;
    // A click naming a grant that is gone (as a stale Home would send): the notice must reach Bob.
    await slack().clickHome({ as: BOB_ID, actionId: 'cs_approve', value: 'g_gone_for_good' });
    // Slack refuses an ephemeral addressed to a user id: the notice comes as a DM.
    await expect
      .poll(
        () =>
          slack()
            .dmOf(BOB_ID)
            .slice(before)
            .map((m) => m.text)
            .join('\n'),
        { timeout: 20_000 },
      )
      .toMatch(/no longer exists/);
    const pending = await slack().waitForMessage(isRequest(requestId), 20_000, { includeExisting: true });
    await slack().click({ as: CAROL.id, channel: pending.channel, ts: pending.ts, actionId: 'cs_deny' });
    expect(
      slack()
        .calls('chat.postEphemeral')
        .filter((c) => c.error === 'channel_not_found'),
    ).toEqual([]);
  }, 60_000);
});
