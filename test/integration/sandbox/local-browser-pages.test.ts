// The stand-ins' pages that act as anyone (AuthKit sign-in and person picker, the Pipes connect page, the Slack
// inbox) answer only a browser on this machine: a non-loopback Host (DNS rebinding, a tunnel to PUBLIC_URL) or
// any forwarding header gets 403; the server-to-server endpoints (JWKS, metadata, token) are unaffected.
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../../src/sandbox/people.js';
import { type SlackStandIn, startSlackStandIn } from '../../../src/sandbox/slack/index.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../../src/sandbox/workos/index.js';

const CLIENT_ID = 'client_local_pages';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let workos: WorkosStandIn;
let slack: SlackStandIn;

beforeAll(async () => {
  workos = await startWorkosStandIn({ clientId: CLIENT_ID, apiKey: 'sk_test_local_pages' });
  slack = await startSlackStandIn({ signingSecret: 'local-pages-secret', botToken: 'xoxb-local-pages' });
});
afterAll(async () => {
  await workos.close();
  await slack.close();
});

/** A request with exactly these headers (fetch would not let a test choose the Host). */
function send(
  url: string,
  headers: OutgoingHttpHeaders,
  method = 'GET',
  body?: string,
): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const signInUrl = (loginHint?: string) => {
  const url = new URL('/user_management/authorize', workos.url);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: 'st',
    ...(loginHint ? { login_hint: loginHint } : {}),
  }).toString();
  return url.toString();
};

const port = () => new URL(workos.url).port;

/** Every way a request can be other than a local browser talking to us directly (headers for the port). */
const REFUSED: Array<[string, (port: string) => OutgoingHttpHeaders]> = [
  ['a rebound DNS name', (p) => ({ host: `evil.example.com:${p}` })],
  ['a tunnel host without port', () => ({ host: 'evil.example.com' })],
  ['X-Forwarded-For', (p) => ({ host: `127.0.0.1:${p}`, 'x-forwarded-for': '203.0.113.9' })],
  ['Forwarded', (p) => ({ host: `127.0.0.1:${p}`, forwarded: 'for=203.0.113.9' })],
  ['X-Forwarded-Host', (p) => ({ host: `127.0.0.1:${p}`, 'x-forwarded-host': 'evil.example.com' })],
];

describe('the AuthKit stand-in sign-in', () => {
  it('shows the person picker and signs in for a loopback browser', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) {
      const page = await send(signInUrl(), { host });
      expect(page.status).toBe(200);
      expect(page.text).toContain(ALICE.email);
    }
    const picked = await send(signInUrl(ALICE.email), { host: `localhost:${port()}` });
    expect(picked.status).toBe(302);
    expect(new URL(picked.location!).searchParams.get('code')).toBeTruthy();
  });

  it.each(REFUSED)('refuses the page and the person picker with %s (403)', async (_name, headersFor) => {
    const headers = headersFor(port());
    const page = await send(signInUrl(), headers);
    expect(page.status).toBe(403);
    expect(page.text).not.toContain(ALICE.email);
    // Choosing a person is the same route with a login_hint: no code is issued.
    const picked = await send(signInUrl(ALICE.email), headers);
    expect(picked.status).toBe(403);
    expect(picked.location).toBeUndefined();
    const oauth = await send(signInUrl(ALICE.email).replace('/user_management/', '/oauth2/'), headers);
    expect(oauth.status).toBe(403);
  });

  /** Alice's Linear connection state, as the WorkOS API reports it (null: none). */
  const linearConnection = async () => {
    const res = await fetch(`${workos.url}/user_management/users/${ALICE.id}/data_providers`, {
      headers: { authorization: 'Bearer sk_test_local_pages' },
    });
    const { data } = (await res.json()) as {
      data: Array<{ slug: string; connected_account: { state: string } | null }>;
    };
    return data.find((p) => p.slug === 'linear')?.connected_account?.state ?? null;
  };

  it('refuses the Pipes connect page from afar, and connects nothing', async () => {
    const url = `${workos.url}/sandbox/connect/linear?user=${ALICE.id}`;
    workos.setConnection(ALICE.id, 'linear', null);
    const refused = await send(url, { host: `evil.example.com:${port()}` });
    expect(refused.status).toBe(403);
    const forwarded = await send(url, { host: `127.0.0.1:${port()}`, 'x-forwarded-for': '203.0.113.9' });
    expect(forwarded.status).toBe(403);
    expect(workos.requestLog().filter((r) => r.path === '/sandbox/connect/linear')).toHaveLength(2);
    expect(await linearConnection()).toBeNull();
    const local = await send(url, { host: `127.0.0.1:${port()}` });
    expect(local.status).toBe(200);
    expect(local.text).toContain('connected');
    expect(await linearConnection()).toBe('connected');
  });

  it('keeps the server-to-server endpoints open (they hand out nothing without a code)', async () => {
    const headers = { host: `evil.example.com:${port()}`, 'x-forwarded-for': '203.0.113.9' };
    expect((await send(`${workos.url}/oauth2/jwks`, headers)).status).toBe(200);
    expect((await send(`${workos.url}/.well-known/oauth-authorization-server`, headers)).status).toBe(200);
  });
});

describe('the Slack stand-in inbox', () => {
  it('refuses a forwarded request even under a loopback Host', async () => {
    const inboxPort = new URL(slack.url).port;
    const invite = (headers: OutgoingHttpHeaders) =>
      send(
        `${slack.url}/sandbox/slack/invite`,
        { ...headers, 'content-type': 'application/json' },
        'POST',
        JSON.stringify({ channel: 'C0APPROVALS' }),
      );
    expect((await invite({ host: `127.0.0.1:${inboxPort}`, 'x-forwarded-for': '203.0.113.9' })).status).toBe(
      403,
    );
    expect((await invite({ host: `127.0.0.1:${inboxPort}`, forwarded: 'for=203.0.113.9' })).status).toBe(403);
    expect((await invite({ host: `127.0.0.1:${inboxPort}` })).status).toBe(200);
  });
});
