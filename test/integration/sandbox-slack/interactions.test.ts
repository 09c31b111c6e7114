// Signed block_actions over HTTP into a real Bolt 5.1 ExpressReceiver: signing, payload shape, state.values.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackSignature } from '../../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from './harness.js';
import { approvalBlocks } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.actions.length = 0;
  h.respondWith = null;
});

describe('signing', () => {
  it('matches the Slack documentation test vector', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('a wrong secret and a 6-minute-old timestamp both get 401 from Bolt, and no listener runs', async () => {
    const { channel, ts } = await h.postApproval();
    const badSecret = await h.standIn.click({
      as: 'U0BOB',
      channel,
      ts,
      actionId: 'cs_approve',
      signingSecret: 'nope',
    });
    const stale = await h.standIn.click({
      as: 'U0BOB',
      channel,
      ts,
      actionId: 'cs_approve',
      timestamp: Math.floor(Date.now() / 1000) - 360,
    });
    expect([badSecret.status, stale.status]).toEqual([401, 401]);
    expect(h.actions).toHaveLength(0);
  });
});

describe('block_actions over HTTP', () => {
  it('is delivered signed, form-encoded, and in Slack’s payload shape', async () => {
    const { channel, ts } = await h.postApproval();
    const result = await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_approve' });
    expect(result).toMatchObject({ via: 'http', status: 200 });
    expect(result.ackMs).toBeLessThan(3000);
    const request = h.receiver.requests.at(-1)!;
    expect(request).toMatchObject({ contentType: 'application/x-www-form-urlencoded', status: 200 });
    expect(request.signature).toMatch(/^v0=[0-9a-f]{64}$/);
    const body = h.actions[0]!;
    expect(body).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB', username: 'bob', name: 'bob', team_id: 'T0SANDBOX' },
      api_app_id: 'A0COUNTERSIGN',
      container: { type: 'message', message_ts: ts, channel_id: 'D0BOB', is_ephemeral: false },
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: 'D0BOB', name: 'directmessage' },
      message: {
        type: 'message',
        user: 'U0COUNTERSIGN',
        bot_id: 'B0COUNTERSIGN',
        ts,
        text: 'Access request',
      },
      actions: [
        {
          type: 'button',
          action_id: 'cs_approve',
          block_id: 'cs_decide_v1',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value: 'grant_01TEST',
          style: 'primary',
          action_ts: expect.stringMatching(/^\d+\.\d{6}$/),
        },
      ],
    });
    expect(body.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]{32}$/);
    expect(body.response_url.startsWith(`${h.standIn.url}/actions/T0SANDBOX/`)).toBe(true);
    expect(body.message?.blocks).toHaveLength(approvalBlocks().length);
  });

  it('state.values reflects the blocks’ initial values, each element in its own shape', async () => {
    const { channel, ts } = await h.postApproval();
    await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_deny' });
    expect(h.actions[0]!.state?.values).toEqual({
      cs_providers_read_v1: {
        cs_providers: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'mrkdwn', text: '*Linear*', verbatim: false }, value: 'linear' },
            { text: { type: 'mrkdwn', text: '*Notion*', verbatim: false }, value: 'notion' },
          ],
        },
      },
      cs_providers_write_v1: {
        cs_providers: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'mrkdwn', text: '*Snowflake*', verbatim: false }, value: 'snowflake' },
          ],
        },
      },
      cs_level_v1: { cs_level: { type: 'radio_buttons', selected_option: null } },
      cs_duration_v1: {
        cs_duration: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: '1 hour', emoji: true }, value: '3600' },
        },
      },
      cs_notes_v1: { cs_notes: { type: 'plain_text_input', value: null } },
    });
    expect(h.actions[0]!.actions[0]).toMatchObject({ action_id: 'cs_deny', style: 'danger' });
  });

  it('overrides by action id spread over both checkbox groups, and set radio, select and text', async () => {
    const { channel, ts } = await h.postApproval();
    await h.standIn.click({
      as: 'U0BOB',
      channel,
      ts,
      actionId: 'cs_approve',
      state: {
        cs_providers: ['linear', 'github'],
        cs_level: 'write',
        cs_duration: '86400',
        cs_notes: 'only ENG',
      },
    });
    const values = h.actions[0]!.state!.values;
    expect(values.cs_providers_read_v1!.cs_providers!.selected_options!.map((o) => o.value)).toEqual([
      'linear',
    ]);
    expect(values.cs_providers_write_v1!.cs_providers!.selected_options!.map((o) => o.value)).toEqual([
      'github',
    ]);
    expect(values.cs_level_v1!.cs_level!.selected_option).toEqual({
      text: { type: 'plain_text', text: 'Write', emoji: true },
      value: 'write',
    });
    expect(values.cs_duration_v1!.cs_duration!.selected_option?.value).toBe('86400');
    expect(values.cs_notes_v1!.cs_notes).toEqual({ type: 'plain_text_input', value: 'only ENG' });
  });

  it('refuses to click what is not there or to tick options that are not offered', async () => {
    const { channel, ts } = await h.postApproval();
    await expect(h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_nope' })).rejects.toThrow(
      /cs_nope/,
    );
    await expect(
      h.standIn.click({
        as: 'U0BOB',
        channel,
        ts,
        actionId: 'cs_approve',
        state: { cs_providers: ['jira'] },
      }),
    ).rejects.toThrow(/jira/);
    await expect(
      h.standIn.click({ as: 'U0BOB', channel, ts: '1.000000', actionId: 'cs_approve' }),
    ).rejects.toThrow();
  });

  it('a forged button value is sent as given (for security tests)', async () => {
    const { channel, ts } = await h.postApproval();
    await h.standIn.click({ as: 'U0MALLORY', channel, ts, actionId: 'cs_approve', value: 'grant_OTHER' });
    expect(h.actions[0]).toMatchObject({ user: { id: 'U0MALLORY' }, actions: [{ value: 'grant_OTHER' }] });
  });
});
