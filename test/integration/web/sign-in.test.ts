// AuthKit browser sign-in for the consent pages, through the real WorkOS SDK and the stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB } from '../../../src/sandbox/people.js';
import { pageText, WebBrowser } from '../../support/web-browser.js';
import { startWebHarness, type WebHarness } from '../../support/web-harness.js';

let h: WebHarness;
beforeAll(async () => {
  h = await startWebHarness();
});
afterAll(() => h.close());

const setCookie = (headers: Headers, name: string) =>
  headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

/** Starts a sign-in and returns what AuthKit (the stand-in) sends the browser back with, without following it. */
async function authorize(browser: WebBrowser, email: string, returnTo = '/auth/session') {
  const start = await browser.request(
    `/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}&login_hint=${encodeURIComponent(email)}`,
  );
  expect(start.status).toBe(302);
  const back = await browser.request(start.headers.get('location')!);
  expect(back.status).toBe(302);
  return new URL(back.headers.get('location')!);
}

describe('sign-in', () => {
  it('sends an unsigned visitor through AuthKit and back to the same approval link, signed in', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const browser = new WebBrowser(h.url);

    const approve = await browser.request(`/approve?token=${token}`);
    expect(approve.status).toBe(302);
    const signIn = new URL(approve.headers.get('location')!, h.url);
    expect(signIn.pathname).toBe('/auth/sign-in');
    expect(signIn.searchParams.get('returnTo')).toBe(`/approve?token=${token}`);

    signIn.searchParams.set('login_hint', BOB.email);
    const toAuthKit = await browser.request(signIn.toString());
    expect(toAuthKit.status).toBe(302);
    const authorizeUrl = new URL(toAuthKit.headers.get('location')!);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(
      `${h.standIn.url}/user_management/authorize`,
    );
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      client_id: h.config.workos.clientId,
      provider: 'authkit',
      redirect_uri: `${h.url}/auth/callback`,
      response_type: 'code',
      login_hint: BOB.email,
    });
    const state = authorizeUrl.searchParams.get('state')!;
    expect(setCookie(toAuthKit.headers, `cs_signin_${state}`)).toMatch(/HttpOnly/);

    const back = await browser.request(authorizeUrl.toString());
    const callback = await browser.request(back.headers.get('location')!);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`/approve?token=${token}`);
    const session = setCookie(callback.headers, 'cs_session')!;
    expect(session).toMatch(/; Max-Age=28800;/);
    expect(session).toMatch(/; Path=\//);
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).not.toMatch(/Secure/); // PUBLIC_URL is http here
    expect(browser.cookies.has(`cs_signin_${state}`)).toBe(false);

    const form = await browser.visit(callback.headers.get('location')!);
    expect(form.status).toBe(200);
    expect(pageText(form.body)).toContain('Signed in as bob@sandbox.test');
    expect(pageText(form.body)).toContain('Claude Code is asking for write access');
  });

  it('refuses a callback this browser did not start, and signs nobody in', async () => {
    const victim = new WebBrowser(h.url);
    const callback = await authorize(victim, ALICE.email);
    const attacker = new WebBrowser(h.url);
    const page = await attacker.request(callback.toString());
    expect(page.status).toBe(400);
    expect(pageText(page.body)).toContain('not started in this browser');
    expect(attacker.cookies.has('cs_session')).toBe(false);

    const swapped = new URL(callback);
    swapped.searchParams.set('state', 'AAAAAAAAAAAAAAAAAAAAAA');
    expect((await victim.request(swapped.toString())).status).toBe(400);
    expect(victim.cookies.has('cs_session')).toBe(false);
  });

  it('shows a sign-in error for a code WorkOS refuses, or an error from AuthKit', async () => {
    const browser = new WebBrowser(h.url);
    const callback = await authorize(browser, ALICE.email);
    callback.searchParams.set('code', 'not-a-real-code');
    const refused = await browser.request(callback.toString());
    expect(refused.status).toBe(400);
    expect(pageText(refused.body)).toContain('The sign-in code was refused');
    expect(browser.cookies.has('cs_session')).toBe(false);

    const denied = await browser.request('/auth/callback?error=access_denied&state=x');
    expect(denied.status).toBe(400);
    expect(pageText(denied.body)).toContain('AuthKit did not sign you in (access_denied)');
  });

  it('returns only to paths on this site', async () => {
    for (const returnTo of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const browser = new WebBrowser(h.url);
      const end = await browser.visit(
        `/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}&login_hint=${ALICE.email}`,
      );
      expect(end.url, returnTo).toBe(`${h.url}/auth/session`);
    }
    const browser = new WebBrowser(h.url);
    const kept = await browser.visit(
      `/auth/sign-in?returnTo=${encodeURIComponent('/auth/session?from=test')}&login_hint=${ALICE.email}`,
    );
    expect(kept.url).toBe(`${h.url}/auth/session?from=test`);
    expect(pageText(kept.body)).toContain('Signed in as alice@sandbox.test');
  });

  it('signs out on a same-origin post only', async () => {
    const browser = await h.signedIn(ALICE);
    const foreign = await browser.post('/auth/sign-out', {}, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(pageText((await browser.visit('/auth/session')).body)).toContain('You are signed in');

    const out = await browser.post('/auth/sign-out', {});
    expect(out.status).toBe(200);
    expect(pageText(out.body)).toContain('You are signed out');
    expect(browser.cookies.has('cs_session')).toBe(false);
    const token = await h.tokenFor(await h.broad());
    expect((await browser.request(`/approve?token=${token}`)).status).toBe(302);
  });

  it('ignores a session cookie it did not seal', async () => {
    const browser = new WebBrowser(h.url);
    browser.cookies.set('cs_session', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC');
    expect(pageText((await browser.visit('/auth/session')).body)).toContain('You are not signed in');
  });
});
