// Outages: matching Web API calls fail with an HTTP error status until `times` calls, `untilMs` or null.
import { ErrorCode } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { BOT_TOKEN, SIGNING_SECRET } from './helpers.js';
import { rawCall, settle, sleep, strictClient } from './traffic-helpers.js';

let standIn: SlackStandIn;

beforeEach(async () => {
  standIn = await startSlackStandIn({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
});
afterEach(() => standIn.close());

const httpError = (statusCode: number) => ({ code: ErrorCode.HTTPError, statusCode });
const summary = (method: string) => standIn.calls(method).map((c) => [c.status, c.ok]);

describe('outage', () => {
  it('times: the next N calls of the method get HTTP 500 (WebClient: slack_webapi_http_error), then it ends', async () => {
    const client = strictClient(standIn);
    standIn.outage('chat.postMessage', { times: 2 });

    const first = await settle(client.chat.postMessage({ channel: 'U0BOB', text: 'one' }));
    expect(first).toMatchObject(httpError(500));
    expect(String((first as { body?: unknown }).body)).toContain('500 Internal Server Error');
    // Other methods are not affected by a method's outage.
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    await expect(client.chat.postMessage({ channel: 'U0BOB', text: 'two' })).rejects.toMatchObject(
      httpError(500),
    );
    await expect(client.chat.postMessage({ channel: 'U0BOB', text: 'three' })).resolves.toMatchObject({
      ok: true,
    });

    expect(summary('chat.postMessage')).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ]);
    expect(standIn.dmOf('U0BOB').map((m) => m.text)).toEqual(['three']);
    const [failed] = standIn.calls('chat.postMessage');
    expect(failed).toMatchObject({ args: { channel: 'U0BOB', text: 'one' }, tokenKind: 'bot' });
    expect(Math.abs(failed!.at - Date.now())).toBeLessThan(10_000);
  });

  it("untilMs with '*': every method fails with the status until then; the inbox keeps working", async () => {
    const client = strictClient(standIn);
    // Long enough for the four refused calls below to land inside it on a 4x slower machine.
    const untilMs = Date.now() + 2000;
    standIn.outage('*', { status: 503, untilMs });

    await expect(client.auth.test()).rejects.toMatchObject(httpError(503));
    await expect(client.users.info({ user: 'U0BOB' })).rejects.toMatchObject(httpError(503));
    const raw = await rawCall(standIn, 'conversations.open', 'users=U0BOB');
    expect(raw.status).toBe(503);
    expect(raw.headers.get('content-type')).toMatch(/^text\/html/);
    expect(raw.text).toContain('503 Service Unavailable');
    expect((await fetch(standIn.inboxUrl)).status).toBe(200);

    await sleep(untilMs - Date.now() + 20);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    await expect(client.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
    expect(summary('auth.test')).toEqual([
      [503, false],
      [200, true],
    ]);
    expect(summary('conversations.open')).toEqual([[503, false]]);
  });

  it('fails before the token is looked at, and null ends it', async () => {
    standIn.outage('auth.test', { status: 502 });
    expect((await rawCall(standIn, 'auth.test', '', null)).status).toBe(502);
    expect((await rawCall(standIn, 'auth.test', '', 'xoxb-wrong')).status).toBe(502);
    await expect(strictClient(standIn).auth.test()).rejects.toMatchObject(httpError(502));

    standIn.outage('auth.test', null);
    await expect(strictClient(standIn).auth.test()).resolves.toMatchObject({ ok: true });
    expect(standIn.calls('auth.test').map((c) => [c.status, c.tokenKind])).toEqual([
      [502, 'none'],
      [502, 'unknown'],
      [502, 'bot'],
      [200, 'bot'],
    ]);
  });

  it("a method's own outage wins over '*', and null ends only the one named", async () => {
    const client = strictClient(standIn);
    standIn.outage('*', { status: 503 });
    standIn.outage('auth.test', { status: 500 });
    await expect(client.auth.test()).rejects.toMatchObject(httpError(500));
    await expect(client.users.info({ user: 'U0BOB' })).rejects.toMatchObject(httpError(503));

    standIn.outage('*', null);
    await expect(client.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
    await expect(client.auth.test()).rejects.toMatchObject(httpError(500));
    standIn.outage('auth.test', null);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('an outage that ends by time or count does not outlive either', async () => {
    const client = strictClient(standIn);
    standIn.outage('auth.test', { times: 5, untilMs: Date.now() - 1 });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    standIn.outage('auth.test', { times: 1, untilMs: Date.now() + 60_000 });
    await expect(client.auth.test()).rejects.toMatchObject(httpError(500));
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('refuses a status that is not an HTTP error', () => {
    expect(() => standIn.outage('auth.test', { status: 200 })).toThrow(/400-599/);
    expect(() => standIn.outage('auth.test', { status: 600 })).toThrow(/400-599/);
    expect(() => standIn.outage('auth.test', { times: -1 })).toThrow(/times/);
  });
});
