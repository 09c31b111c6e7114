// Deciding on the consent page: what it shows, and what approving or denying records in the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB } from '../../../src/sandbox/people.js';
import { readableUtc } from '../../../src/web/pages/time.js';
import { hiddenField, pageText, type WebBrowser } from '../../support/web-browser.js';
import { startWebHarness, type WebHarness } from '../../support/web-harness.js';

const MINUTE = 60_000;
let h: WebHarness;
let alice: WebBrowser;
let bob: WebBrowser;
beforeAll(async () => {
  h = await startWebHarness();
  [alice, bob] = await Promise.all([h.signedIn(ALICE), h.signedIn(BOB)]);
});
afterAll(() => h.close());

async function openForm(browser: WebBrowser, token: string) {
  const page = await browser.visit(`/approve?token=${encodeURIComponent(token)}`);
  expect(page.status, pageText(page.body)).toBe(200);
  return { page, text: pageText(page.body), csrf: hiddenField(page.body, 'csrf') };
}

describe('broad consent form', () => {
  it('shows the request as asked, escaped, everything ticked, with real times and strict headers', async () => {
    const grant = await h.broad({ durationMs: 15 * MINUTE });
    const { page, text } = await openForm(bob, await h.tokenFor(grant));

    expect(text).toContain('Claude Code is asking for write access');
    expect(text).toContain('Requested by alice@sandbox.test');
    expect(page.body).toContain('Triage the &lt;b&gt;backlog&lt;/b&gt; &amp; tidy labels');
    expect(page.body).not.toContain('<b>backlog');
    expect(page.body).toContain(
      '<input type="checkbox" name="providers" value="linear" checked> Linear (linear)',
    );
    expect(page.body).toContain(
      '<input type="checkbox" name="providers" value="notion" checked> Notion (notion)',
    );
    expect(page.body).toContain('<input type="radio" name="level" value="write" checked>');
    expect(text).toContain('Downgrade to read only');
    expect(page.body).toContain(`<option value="${15 * MINUTE}" selected>15 minutes (requested)</option>`);
    expect(page.body).toContain(`<option value="${60 * MINUTE}">1 hour</option>`);
    expect(page.body).not.toContain(`<option value="${120 * MINUTE}"`); // above MAX_ACCESS_DURATION
    expect(text).toContain(`Decide by ${readableUtc(grant.decideBy)} (in 5 minutes`);
    // People read dates, not ISO instants (those stay in the <time> element's datetime attribute).
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(readableUtc(Date.UTC(2026, 11, 2, 9, 41, 7))).toBe('Wed 2 Dec 2026, 09:41:07 UTC');
    expect(text).toContain('Instructions to the assistant when approving, reason when denying.');
    expect(page.body).toContain('<meta name="viewport"');

    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

describe('deciding a broad request', () => {
  it('an approver narrows it: one provider unticked, a shorter duration, a note for the assistant', async () => {
    const grant = await h.broad({ durationMs: 15 * MINUTE });
    const token = await h.tokenFor(grant);
    const { csrf } = await openForm(bob, token);
    const before = Date.now();

    const page = await bob.post('/approve', {
      token,
      csrf,
      decision: 'approve',
      providers: ['linear'],
      level: 'write',
      duration: String(5 * MINUTE),
      notes: 'Only the BUG team.\r\nNo deletions.',
    });

    expect(page.status).toBe(200);
    const text = pageText(page.body);
    expect(text).toContain('Approved by bob@sandbox.test');
    expect(text).toMatch(/Providers Linear \(linear\) Level write Duration 5 minutes/);
    expect(text).toContain('Instructions to the assistant Only the BUG team. No deletions.');

    const stored = (await h.store.get(grant.id))!;
    expect(stored).toMatchObject({
      status: 'approved',
      providers: ['linear'],
      requestedProviders: ['linear', 'notion'],
      level: 'write',
      durationMs: 5 * MINUTE,
      instructions: 'Only the BUG team.\nNo deletions.',
      decidedBy: { type: 'user', id: BOB.id, email: BOB.email, via: 'web' },
    });
    expect(stored.approvedAt).toBeGreaterThanOrEqual(before);
    expect(stored.expiresAt).toBe(stored.approvedAt! + 5 * MINUTE);
    expect(text).toContain(`Access ends ${readableUtc(stored.expiresAt!)} (in 5 minutes`);
    expect(h.audit.at(-1)).toMatchObject({
      type: 'grant.approved',
      grantId: grant.id,
      userId: ALICE.id,
      actor: { id: BOB.id, email: BOB.email, via: 'web' },
      providers: ['linear'],
      level: 'write',
      durationMs: 5 * MINUTE,
    });
  });

  it('the requester downgrades their own write request to read', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const { csrf } = await openForm(alice, token);
    const page = await alice.post('/approve', {
      token,
      csrf,
      decision: 'approve',
      providers: ['linear', 'notion'],
      level: 'read',
      duration: String(15 * MINUTE),
    });
    expect(page.status).toBe(200);
    expect(await h.store.get(grant.id)).toMatchObject({
      status: 'approved',
      level: 'read',
      requestedLevel: 'write',
    });
  });

  it('a denial records the reason, and the page says who denied it, when and why', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const { csrf } = await openForm(alice, token);
    const page = await alice.post('/approve', {
      token,
      csrf,
      decision: 'deny',
      providers: ['linear', 'notion'],
      notes: 'Not during the <freeze>',
    });
    expect(page.status).toBe(200);
    expect(pageText(page.body)).toContain('Denied by alice@sandbox.test');
    expect(page.body).toContain('Not during the &lt;freeze&gt;');
    const stored = (await h.store.get(grant.id))!;
    expect(stored).toMatchObject({
      status: 'denied',
      statusReason: 'Not during the <freeze>',
      providers: ['linear', 'notion'],
    });
    expect(pageText(page.body)).toContain(`Decided ${readableUtc(stored.endedAt!)}`);
    expect(h.audit.at(-1)).toMatchObject({
      type: 'grant.denied',
      grantId: grant.id,
      actor: { id: ALICE.id },
    });
  });
});

describe('deciding a per-request grant', () => {
  it('shows the exact call and approves it with instructions', async () => {
    const body =
      '{"query":"mutation { issueCreate(input: {title: \\"<Hi>\\"}) { success } }","variables":{"a":1}}';
    const grant = await h.request({ body });
    const token = await h.tokenFor(grant);
    const { page, text, csrf } = await openForm(bob, token);
    expect(text).toContain('Cursor wants to make this API call');
    expect(page.body).toContain(
      '<span class="method m-POST">POST</span><code>https://api.linear.app/graphql</code>',
    );
    expect(page.body).toContain(
      '<pre>{\n  &quot;query&quot;: &quot;mutation { issueCreate(input: {title: \\&quot;&lt;Hi&gt;\\&quot;}) { success } }&quot;,\n  &quot;variables&quot;: {\n    &quot;a&quot;: 1\n  }\n}</pre>',
    );
    expect(page.body).not.toContain('name="providers"');

    const approved = await bob.post('/approve', {
      token,
      csrf,
      decision: 'approve',
      notes: 'Title it properly.',
    });
    expect(approved.status).toBe(200);
    expect(pageText(approved.body)).toContain('Approved by bob@sandbox.test');
    expect(await h.store.get(grant.id)).toMatchObject({
      status: 'approved',
      instructions: 'Title it properly.',
      request: { method: 'POST', url: 'https://api.linear.app/graphql', body },
    });
  });

  it('a call without a body says so', async () => {
    const grant = await h.request({ body: null, level: 'read' });
    const { text } = await openForm(alice, await h.tokenFor(grant));
    expect(text).toContain('No body: the call may be made only without one.');
  });
});

describe('after a decision', () => {
  it('a replayed link shows the decision, and posting again changes nothing', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const { csrf } = await openForm(bob, token);
    const fields = {
      token,
      csrf,
      decision: 'approve',
      providers: ['linear', 'notion'],
      duration: String(15 * MINUTE),
    };
    expect((await bob.post('/approve', fields)).status).toBe(200);
    const decided = (await h.store.get(grant.id))!;

    const again = await bob.visit(`/approve?token=${token}`);
    expect(again.status).toBe(200);
    expect(pageText(again.body)).toContain('Approved by bob@sandbox.test');
    expect(again.body).not.toContain('name="csrf"');

    const replay = await bob.post('/approve', { ...fields, decision: 'deny', notes: 'changed my mind' });
    expect(replay.status).toBe(409);
    expect(pageText(replay.body)).toContain('Your decision was not recorded');
    expect(pageText(replay.body)).toContain('Approved by bob@sandbox.test');
    expect(await h.store.get(grant.id)).toEqual(decided);
    expect(h.audit.at(-1)).toMatchObject({
      type: 'grant.decision_refused',
      detail: 'no longer pending: approved',
    });
  });

  it('of two people deciding at once exactly one wins, and the other is told who did', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const [bobForm, aliceForm] = await Promise.all([openForm(bob, token), openForm(alice, token)]);
    const pages = await Promise.all([
      bob.post('/approve', { token, csrf: bobForm.csrf, decision: 'approve', providers: ['linear'] }),
      alice.post('/approve', { token, csrf: aliceForm.csrf, decision: 'deny' }),
    ]);
    expect(pages.map((p) => p.status).sort()).toEqual([200, 409]);
    const stored = (await h.store.get(grant.id))!;
    const loser = pages.find((p) => p.status === 409)!;
    const winner =
      stored.status === 'approved' ? 'Approved by bob@sandbox.test' : 'Denied by alice@sandbox.test';
    expect(pageText(loser.body)).toContain(winner);
  });

  it('a link opened after the decision window shows that nobody decided in time', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    h.advance(6 * MINUTE);
    try {
      const page = await bob.visit(`/approve?token=${token}`);
      expect(page.status).toBe(200);
      const text = pageText(page.body);
      expect(text).toContain('This link has expired; this is what became of the request.');
      expect(text).toContain('Nobody decided in time');
      expect(text).toContain(`Decide by was ${readableUtc(grant.decideBy)} (1 minute ago)`);
      expect((await h.store.get(grant.id))!.status).toBe('expired');
    } finally {
      h.advance(-6 * MINUTE);
    }
  });
});
