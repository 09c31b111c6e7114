// Fixed-window rate limits as Slack's tiers apply them, and the check that clients honour Retry-After.
import { ErrorCode } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { BOT_TOKEN, SIGNING_SECRET } from './helpers.js';
import { patientClient, rawCall, settle, sleep, strictClient } from './traffic-helpers.js';

let standIn: SlackStandIn;

beforeEach(async () => {
  standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
});
afterEach(() => standIn.close());

const statuses = (method: string) => standIn.calls(method).map((c) => c.status);

describe('limit', () => {
  it('lets exactly perWindow calls through, then 429s with Retry-After until the window resets', async () => {
    const client = strictClient(standIn);
    standIn.limit('users.info', { perWindow: 3, windowSeconds: 2 });

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await settle(client.users.info({ user: 'U0BOB' })));
    expect(outcomes.map((o) => o.ok === true)).toEqual([true, true, true, false, false]);
    expect(outcomes[3]).toMatchObject({ code: ErrorCode.RateLimitedError });
    const retryAfter = (outcomes[3] as { retryAfter: number }).retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // Other methods have their own limits (none here).
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });

    const raw = await rawCall(standIn, 'users.info', 'user=U0BOB');
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toMatch(/^[12]$/);
    expect(JSON.parse(raw.text)).toEqual({ ok: false, error: 'ratelimited' });

    const refused = standIn.calls('users.info')[3]!;
    expect(refused).toMatchObject({ status: 429, ok: false, error: 'ratelimited', retryAfter });
    await sleep(refused.at + retryAfter * 1000 - Date.now() + 20);
    const again = [];
    for (let i = 0; i < 4; i++) again.push(await settle(client.users.info({ user: 'U0BOB' })));
    expect(again.map((o) => o.ok === true)).toEqual([true, true, true, false]);
    expect(statuses('users.info')).toEqual([200, 200, 200, 429, 429, 429, 200, 200, 200, 429]);
  });

  it('a fixed window: calls later in the same window are still refused, with a shorter Retry-After', async () => {
    const client = strictClient(standIn);
    standIn.limit('auth.test', { perWindow: 1, windowSeconds: 2 });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    const opened = standIn.calls('auth.test')[0]!.at;
    await expect(client.auth.test()).rejects.toMatchObject({ retryAfter: 2 });

    await sleep(opened + 1200 - Date.now());
    await expect(client.auth.test()).rejects.toMatchObject({ retryAfter: 1 });
    await sleep(opened + 2000 - Date.now() + 20);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it("null puts Slack's default tier back; perWindow 0 refuses every call", async () => {
    const client = strictClient(standIn);
    standIn.limit('auth.test', { perWindow: 0, windowSeconds: 1 });
    await expect(client.auth.test()).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 1,
    });
    standIn.limit('auth.test', null);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(statuses('auth.test')).toEqual([429, 200]);
    expect(() => standIn.limit('auth.test', { perWindow: 1, windowSeconds: 0 })).toThrow(/windowSeconds/);
    expect(() => standIn.limit('auth.test', { perWindow: 1.5, windowSeconds: 1 })).toThrow(/perWindow/);
  });
});

describe("Slack's default tiers, always on", () => {
  it('refuses the 21st usergroups.users.list in a minute (Tier 2), with Retry-After to the window end', async () => {
    const client = strictClient(standIn);
    const outcomes = [];
    for (let i = 0; i < 21; i++)
      outcomes.push(await settle(client.usergroups.users.list({ usergroup: 'S0APPROVERS' })));
    expect(outcomes.slice(0, 20).every((o) => o.ok === true)).toBe(true);
    expect(outcomes[20]).toMatchObject({ code: ErrorCode.RateLimitedError });
    expect((outcomes[20] as { retryAfter: number }).retryAfter).toBeGreaterThan(30);
    // Another method has its own tier.
    await expect(client.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
  });

  it('paces chat.postMessage and chat.update per channel: a burst of ten, then 429 in that channel only', async () => {
    const client = strictClient(standIn);
    const posted = [];
    for (let i = 0; i < 11; i++)
      posted.push(await settle(client.chat.postMessage({ channel: 'C0GENERAL', text: `m${i}` })));
    expect(posted.slice(0, 10).every((o) => o.ok === true)).toBe(true);
    expect(posted[10]).toMatchObject({ code: ErrorCode.RateLimitedError });
    await expect(
      client.chat.postMessage({ channel: 'C0APPROVALS', text: 'elsewhere' }),
    ).resolves.toMatchObject({
      ok: true,
    });
    const general = (posted[0] as { ts: string }).ts;
    const approvals = (await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'to edit' })).ts!;
    const updates = [];
    for (let i = 0; i < 11; i++)
      updates.push(
        await settle(client.chat.update({ channel: 'C0APPROVALS', ts: approvals, text: `u${i}` })),
      );
    expect(updates.slice(0, 10).every((o) => o.ok === true)).toBe(true);
    expect(updates[10]).toMatchObject({ code: ErrorCode.RateLimitedError });
    await expect(
      client.chat.update({ channel: 'C0GENERAL', ts: general, text: 'edited' }),
    ).resolves.toMatchObject({
      ok: true,
    });
  });
});

describe('retryAfterViolations', () => {
  it('is empty for a client that waits Retry-After (WebClient retrying), and every call lands', async () => {
    const client = patientClient(standIn);
    standIn.limit('users.info', { perWindow: 2, windowSeconds: 1 });
    for (let i = 0; i < 4; i++) await expect(client.users.info({ user: 'U0BOB' })).resolves.toBeTruthy();

    expect(statuses('users.info')).toEqual([200, 200, 429, 200, 200]);
    expect(standIn.retryAfterViolations('users.info')).toEqual([]);
    expect(standIn.retryAfterViolations()).toEqual([]);
  });

  it("lists a hammering client's calls inside the window, 429s included", async () => {
    const client = strictClient(standIn);
    standIn.limit('users.info', { perWindow: 2, windowSeconds: 1 });
    for (let i = 0; i < 5; i++) await settle(client.users.info({ user: 'U0BOB' }));

    expect(statuses('users.info')).toEqual([200, 200, 429, 429, 429]);
    const calls = standIn.calls('users.info');
    expect(standIn.retryAfterViolations('users.info')).toEqual(calls.slice(3));
    expect(standIn.retryAfterViolations()).toEqual(calls.slice(3));
    expect(standIn.retryAfterViolations('auth.test')).toEqual([]);
    // The grace only forgives arrivals at a window's very end; a huge one forgives everything.
    expect(standIn.retryAfterViolations('users.info', { graceMs: 5_000 })).toEqual([]);
  });

  it("rateLimit's one-shot 429 opens a window too; only the same method and token violate it", async () => {
    standIn.rateLimit('auth.test', { retryAfterSeconds: 30, times: 1 });
    const client = strictClient(standIn);
    await expect(client.auth.test()).rejects.toMatchObject({ retryAfter: 30 });
    expect(standIn.calls('auth.test')[0]).toMatchObject({ status: 429, retryAfter: 30 });

    await rawCall(standIn, 'auth.test', '', null); // no token: not_authed, not the same token
    await rawCall(standIn, 'auth.test', '', 'xoxb-wrong'); // another token: invalid_auth
    await client.users.info({ user: 'U0BOB' }); // same token, another method
    expect(standIn.retryAfterViolations()).toEqual([]);

    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    const violations = standIn.retryAfterViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ method: 'auth.test', status: 200, tokenKind: 'bot' });
    expect(standIn.retryAfterViolations('auth.test')).toEqual(violations);
    expect(standIn.retryAfterViolations('users.info')).toEqual([]);
  });

  it('a 429 for a per-channel method opens its window in that channel only', async () => {
    standIn.rateLimit('chat.update', { retryAfterSeconds: 30, times: 1 });
    const client = strictClient(standIn);
    const general = (await client.chat.postMessage({ channel: 'C0GENERAL', text: 'one' })).ts!;
    const approvals = (await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'two' })).ts!;
    await expect(client.chat.update({ channel: 'C0GENERAL', ts: general, text: 'x' })).rejects.toMatchObject({
      retryAfter: 30,
    });
    await client.chat.update({ channel: 'C0APPROVALS', ts: approvals, text: 'y' });
    expect(standIn.retryAfterViolations()).toEqual([]);

    await client.chat.update({ channel: 'C0GENERAL', ts: general, text: 'z' });
    expect(standIn.retryAfterViolations('chat.update')).toMatchObject([
      { status: 200, args: { channel: 'C0GENERAL', text: 'z' } },
    ]);
  });

  it('a one-shot 429 waited out by WebClient is no violation', async () => {
    standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 });
    await patientClient(standIn).chat.postMessage({ channel: 'U0BOB', text: 'later' });
    expect(statuses('chat.postMessage')).toEqual([429, 200]);
    const [refused, landed] = standIn.calls('chat.postMessage');
    expect(landed!.at - refused!.at).toBeGreaterThanOrEqual(1000 - 10);
    expect(standIn.retryAfterViolations()).toEqual([]);
  });
});
