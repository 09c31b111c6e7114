// What the app sends back (response_url, command answers) and the other surfaces: ephemerals, Home, events.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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

describe('response_url', () => {
  it('respond({replace_original}) replaces the message in place', async () => {
    h.respondWith = async ({ respond }) => {
      await respond({ replace_original: true, text: 'Approved by <@U0BOB>', blocks: [] });
    };
    const { channel, ts } = await h.postApproval();
    const updated = h.standIn.waitForMessage((m) => m.ts === ts, 30_000);
    await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_approve' });
    expect(await updated).toMatchObject({ text: 'Approved by <@U0BOB>', blocks: [], edits: 1 });
    expect(h.standIn.responses().at(-1)).toMatchObject({ status: 200, effect: 'replaced' });
  });

  it('a reply without replace_original is an ephemeral to the clicker; in_channel posts; delete removes', async () => {
    const { channel, ts } = await h.postApproval();
    await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_deny' });
    const url = h.actions[0]!.response_url;
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ text: 'only bob sees this' })).status).toBe(200);
    expect(h.standIn.ephemerals('U0BOB').at(-1)).toMatchObject({
      channel,
      text: 'only bob sees this',
      source: 'response_url',
    });
    await post({ response_type: 'in_channel', text: 'everyone sees this' });
    expect(h.standIn.messages(channel).at(-1)?.text).toBe('everyone sees this');
    await post({ delete_original: true });
    expect(h.standIn.messages(channel).some((m) => m.ts === ts)).toBe(false);
  });

  it('takes POSTs only, five of them, for 30 minutes, also while the Web API is down', async () => {
    const { channel, ts } = await h.postApproval();
    await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_deny' });
    const url = h.actions[0]!.response_url;
    const post = (text: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    expect((await fetch(url)).status).toBe(404);
    h.standIn.outage('*', { status: 500 });
    try {
      for (let n = 1; n <= 5; n++) expect((await post(`notice ${n}`)).status).toBe(200);
    } finally {
      h.standIn.outage('*', null);
    }
    const sixth = await post('notice 6');
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    expect(h.standIn.ephemerals('U0BOB').filter((e) => /^notice \d$/.test(e.text))).toHaveLength(5);

    await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_deny' });
    const fresh = h.actions[1]!.response_url;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30 * 60_000 + 1000 });
    try {
      const late = await fetch(fresh, { method: 'POST', body: JSON.stringify({ text: 'too late' }) });
      expect(late.status).toBe(404);
      expect(await late.json()).toEqual({ ok: false, error: 'expired_url' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('can be made to fail, and respond() then throws in the app', async () => {
    let failure: unknown = null;
    h.respondWith = async ({ respond }) => {
      await respond({ replace_original: true, text: 'x' }).catch((e) => {
        failure = e;
      });
    };
    h.standIn.failResponseUrls('expired_url');
    try {
      const { channel, ts } = await h.postApproval();
      await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_approve' });
      await expect.poll(() => failure, { timeout: 30_000 }).not.toBeNull();
      expect(h.standIn.responses().at(-1)).toMatchObject({ status: 404, effect: 'refused' });
    } finally {
      h.standIn.failResponseUrls(null);
    }
  });
});

describe('other surfaces', () => {
  it('clicks on an ephemeral message say is_ephemeral and carry no message', async () => {
    const eph = await h.client.chat.postEphemeral({
      channel: 'D0BOB',
      user: 'U0BOB',
      text: 'choose',
      blocks: approvalBlocks().slice(-1),
    });
    await h.standIn.click({ as: 'U0BOB', channel: 'D0BOB', ts: eph.message_ts!, actionId: 'cs_deny' });
    expect(h.actions[0]!.container).toMatchObject({ message_ts: eph.message_ts, is_ephemeral: true });
    expect(h.actions[0]!.message).toBeUndefined();
  });

  it('slash command: signed form fields, and the ack text shows as an ephemeral', async () => {
    const result = await h.standIn.slashCommand({ as: 'U0ALICE', text: 'linear read 1h' });
    expect(result.status).toBe(200);
    expect(h.commands.at(-1)).toMatchObject({
      command: '/countersign',
      text: 'linear read 1h',
      user_id: 'U0ALICE',
      user_name: 'alice',
      channel_id: 'D0ALICE',
      team_id: 'T0SANDBOX',
      is_enterprise_install: 'false',
    });
    expect(h.standIn.ephemerals('U0ALICE').at(-1)).toMatchObject({ text: 'You asked for: linear read 1h' });
  });

  it('app_home_opened reaches the app, and a Home click has a view container and no response_url', async () => {
    const result = await h.standIn.appHomeOpened('U0ALICE');
    expect(result.status).toBe(200);
    await expect.poll(() => h.standIn.homeOf('U0ALICE'), { timeout: 30_000 }).not.toBeNull();
    expect(h.homeOpened).toContain('U0ALICE');
    await h.standIn.clickHome({ as: 'U0ALICE', actionId: 'cs_revoke' });
    const body = h.actions[0]!;
    expect(body.container).toEqual({ type: 'view', view_id: h.standIn.homeOf('U0ALICE')!.id });
    expect(body).toMatchObject({
      view: { type: 'home' },
      actions: [{ action_id: 'cs_revoke', value: 'g1' }],
    });
    expect(body.response_url).toBeUndefined();
    expect(body.channel).toBeUndefined();
  });

  it('with no events URL and no socket, a delivery reports no_receiver', async () => {
    const { channel, ts } = await h.postApproval();
    h.standIn.setEventsUrl(undefined);
    try {
      const result = await h.standIn.click({ as: 'U0BOB', channel, ts, actionId: 'cs_deny' });
      expect(result).toMatchObject({ via: 'none', status: 0, error: 'no_receiver' });
    } finally {
      h.standIn.setEventsUrl(h.receiver.eventsUrl);
    }
  });
});
