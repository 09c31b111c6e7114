// Everything the consent page refuses (bad links, strangers, forged or cross-site posts, tampered fields)
// changes nothing, and never spends the link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, MALLORY } from '../../../src/sandbox/people.js';
import { issueApprovalToken } from '../../../src/web/approval-token.js';
import { csrfToken } from '../../../src/web/csrf.js';
import { unseal } from '../../../src/web/sealed.js';
import { type FormFields, hiddenField, pageText, WebBrowser } from '../../support/web-browser.js';
import { startWebHarness, type WebHarness } from '../../support/web-harness.js';

const MINUTE = 60_000;
let h: WebHarness;
let bob: WebBrowser;
let mallory: WebBrowser;
beforeAll(async () => {
  h = await startWebHarness();
  [bob, mallory] = await Promise.all([h.signedIn(BOB), h.signedIn(MALLORY)]);
});
afterAll(() => h.close());

/**
 * The token with one character of its last segment (the tag) changed. A middle character, never the last two:
 * the final base64url character may carry unused padding bits, so changing it can leave the bytes unchanged.
 */
function alteredTag(token: string): string {
  const tagStart = token.lastIndexOf('.') + 1;
  const at = tagStart + Math.floor((token.length - tagStart) / 2);
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
}

/** A pending broad grant, its link, and Bob's valid form fields for approving all of it. */
async function pendingForBob() {
  const grant = await h.broad({ durationMs: 15 * MINUTE });
  const token = await h.tokenFor(grant);
  const page = await bob.visit(`/approve?token=${token}`);
  expect(page.status).toBe(200);
  const fields: FormFields = {
    token,
    csrf: hiddenField(page.body, 'csrf'),
    decision: 'approve',
    providers: ['linear', 'notion'],
    level: 'write',
    duration: String(15 * MINUTE),
  };
  return { grant, token, fields, unchanged: async () => expect(await h.store.get(grant.id)).toEqual(grant) };
}

describe('links', () => {
  it('a forged or altered link is invalid, before any sign-in', async () => {
    const grant = await h.broad();
    const foreign = await issueApprovalToken('some-other-secret-0123456789-0123456789', {
      grantId: grant.id,
      userId: grant.owner.userId,
      expiresAt: grant.decideBy,
    });
    const token = await h.tokenFor(grant);
    for (const bad of [foreign, alteredTag(token), 'forged', '']) {
      const page = await new WebBrowser(h.url).request(`/approve?token=${encodeURIComponent(bad)}`);
      expect(page.status, bad).toBe(400);
      expect(pageText(page.body)).toContain('This approval link is not valid');
    }
  });

  it('a link naming another requester for the grant is invalid', async () => {
    const grant = await h.broad();
    const moved = await issueApprovalToken(h.config.secrets.approvalToken, {
      grantId: grant.id,
      userId: MALLORY.id,
      expiresAt: grant.decideBy,
    });
    const page = await bob.request(`/approve?token=${moved}`);
    expect(page.status).toBe(400);
    expect(pageText(page.body)).toContain('This approval link is not valid');
  });

  it('an expired link says so (not "invalid"), and cannot decide a pending grant', async () => {
    const { grant, fields, unchanged } = await pendingForBob();
    const expired = await h.tokenFor(grant, h.now() - 1000);
    for (const browser of [new WebBrowser(h.url), bob]) {
      const page = await browser.request(`/approve?token=${expired}`);
      expect(page.status).toBe(410);
      expect(pageText(page.body)).toContain('This approval link has expired');
    }
    const post = await bob.post('/approve', { ...fields, token: expired });
    expect(post.status).toBe(410);
    await unchanged();
  });

  it('a superseded request shows that a newer one replaced it, and cannot be approved', async () => {
    const owner = h.ownerOf(ALICE);
    const older = await h.broad({ owner });
    const token = await h.tokenFor(older);
    const csrf = hiddenField((await bob.visit(`/approve?token=${token}`)).body, 'csrf');
    const newer = await h.broad({ owner, providers: ['linear'] });

    const view = await bob.visit(`/approve?token=${token}`);
    expect(view.status).toBe(200);
    expect(pageText(view.body)).toContain('A newer request replaced this one');
    const post = await bob.post('/approve', {
      token,
      csrf,
      decision: 'approve',
      providers: ['linear', 'notion'],
    });
    expect(post.status).toBe(409);
    expect(pageText(post.body)).toContain('A newer request replaced this one');
    expect((await h.store.get(older.id))!.status).toBe('superseded');
    expect((await h.store.get(newer.id))!.status).toBe('pending');
  });
});

describe('who may decide', () => {
  it('a stranger sees why they may not, gets no form, and a post from them changes nothing', async () => {
    const { grant, token, fields, unchanged } = await pendingForBob();
    const page = await mallory.visit(`/approve?token=${token}`);
    expect(page.status).toBe(403);
    const text = pageText(page.body);
    expect(text).toContain('You cannot decide this request');
    expect(text).toContain('Only the requester or a configured approver may decide this request.');
    expect(page.body).not.toContain('name="csrf"');

    // Even with a form check that is valid for her own session, the policy refuses her.
    const opened = await unseal<{ sid: string }>(
      h.config.secrets.cookie,
      'session',
      mallory.cookies.get('cs_session')!,
    );
    if (!opened.ok) throw new Error('mallory has no session');
    const csrf = csrfToken(h.config.secrets.cookie, opened.claims.sid, grant.id);
    for (const decision of ['approve', 'deny']) {
      expect((await mallory.post('/approve', { ...fields, csrf, decision })).status).toBe(403);
    }
    await unchanged();
    expect(h.audit.at(-1)).toMatchObject({
      type: 'grant.decision_refused',
      grantId: grant.id,
      actor: { id: MALLORY.id, email: MALLORY.email },
      detail: 'not allowed: only the requester or a configured approver may decide this request',
    });
  });

  it('a post from a browser that is not signed in is sent to sign in, and changes nothing', async () => {
    const { token, fields, unchanged } = await pendingForBob();
    const page = await new WebBrowser(h.url).post('/approve', fields);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(
      `/auth/sign-in?returnTo=${encodeURIComponent(`/approve?token=${token}`)}`,
    );
    await unchanged();
  });
});

describe('form check (CSRF) and origin', () => {
  it('a missing, wrong, or other-grant form check is refused with 403', async () => {
    const { fields, unchanged } = await pendingForBob();
    const other = await pendingForBob();
    for (const csrf of [undefined, '', 'wrong', other.fields.csrf as string]) {
      const page = await bob.post('/approve', { ...fields, csrf });
      expect(page.status, String(csrf)).toBe(403);
      expect(pageText(page.body)).toContain('The form check failed');
    }
    await unchanged();
    expect(h.audit.at(-1)).toMatchObject({
      type: 'grant.decision_refused',
      detail: 'form check (csrf) missing or wrong',
    });
  });

  it("a form check from another of the same person's sign-ins is refused", async () => {
    const { fields, unchanged } = await pendingForBob();
    const bobElsewhere = await h.signedIn(BOB);
    expect((await bobElsewhere.post('/approve', fields)).status).toBe(403);
    await unchanged();
  });

  it('a post from another site is refused, whatever the form check says', async () => {
    const { fields, unchanged } = await pendingForBob();
    const foreign: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { referer: 'https://evil.example/page' },
      {},
    ];
    for (const headers of foreign) {
      const page = await bob.post('/approve', fields, headers);
      expect(page.status, JSON.stringify(headers)).toBe(403);
    }
    await unchanged();
  });

  it('accepts what a real browser sends under no-referrer: Origin null with Sec-Fetch-Site same-origin', async () => {
    const { grant, fields } = await pendingForBob();
    const page = await bob.post('/approve', fields, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(page.status).toBe(200);
    expect((await h.store.get(grant.id))!.status).toBe('approved');
  });
});

describe('tampered forms', () => {
  const cases: Array<[string, FormFields, string]> = [
    ['an unknown provider', { providers: ['linear', 'github'] }, '"github" was not part of this request'],
    [
      'no provider ticked',
      { providers: undefined },
      'Tick at least one provider to approve, or deny the request.',
    ],
    ['a duration above the maximum', { duration: String(120 * MINUTE) }, 'Pick one of the offered durations'],
    ['an unknown level', { level: 'admin' }, 'The access level must be read or write.'],
    ['an unknown decision', { decision: 'maybe' }, 'Choose Approve or Deny.'],
    ['notes that are too long', { notes: 'x'.repeat(2001) }, 'Notes can be at most 2000 characters.'],
  ];
  for (const [what, change, message] of cases) {
    it(`${what} is refused with 400 and a precise message`, async () => {
      const { fields, unchanged } = await pendingForBob();
      const page = await bob.post('/approve', { ...fields, ...change });
      expect(page.status).toBe(400);
      expect(pageText(page.body)).toContain(message);
      expect(pageText(page.body)).toContain('Nothing was changed');
      await unchanged();
    });
  }

  it('widening a read request to write is refused', async () => {
    const grant = await h.broad({ level: 'read' });
    const token = await h.tokenFor(grant);
    const csrf = hiddenField((await bob.visit(`/approve?token=${token}`)).body, 'csrf');
    const page = await bob.post('/approve', {
      token,
      csrf,
      decision: 'approve',
      providers: ['linear'],
      level: 'write',
    });
    expect(page.status).toBe(400);
    expect(pageText(page.body)).toContain(
      'This request asked for read access; it cannot be widened to write.',
    );
    expect(await h.store.get(grant.id)).toEqual(grant);
  });

  it('choosing providers or a level for a single call is refused', async () => {
    const grant = await h.request();
    const token = await h.tokenFor(grant);
    const csrf = hiddenField((await bob.visit(`/approve?token=${token}`)).body, 'csrf');
    const page = await bob.post('/approve', { token, csrf, decision: 'approve', providers: ['linear'] });
    expect(page.status).toBe(400);
    expect(pageText(page.body)).toContain('providers, level and duration cannot be changed');
    expect(await h.store.get(grant.id)).toEqual(grant);
  });

  it('a refused choice shows the form again as it was filled in', async () => {
    const { fields } = await pendingForBob();
    const page = await bob.post('/approve', {
      ...fields,
      providers: ['notion', 'github'],
      level: 'read',
      notes: 'keep <this>',
    });
    expect(page.status).toBe(400);
    expect(page.body).toContain('value="linear"> Linear');
    expect(page.body).toContain('value="notion" checked> Notion');
    expect(page.body).toContain('<input type="radio" name="level" value="read" checked>');
    expect(page.body).toContain('>keep &lt;this&gt;</textarea>');
  });

  it('an oversized form is refused with 413', async () => {
    const { fields, unchanged } = await pendingForBob();
    const page = await bob.post('/approve', { ...fields, notes: 'x'.repeat(40 * 1024) });
    expect(page.status).toBe(413);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    await unchanged();
  });
});

it('refused submissions do not spend the link: a later valid one still decides', async () => {
  const { grant, fields } = await pendingForBob();
  expect((await bob.post('/approve', { ...fields, csrf: 'wrong' })).status).toBe(403);
  expect((await bob.post('/approve', { ...fields, providers: ['github'] })).status).toBe(400);
  expect((await bob.post('/approve', fields, { origin: 'https://evil.example' })).status).toBe(403);
  expect((await mallory.post('/approve', fields)).status).toBe(403);

  const page = await bob.post('/approve', { ...fields, providers: ['notion'] });
  expect(page.status).toBe(200);
  expect(await h.store.get(grant.id)).toMatchObject({ status: 'approved', providers: ['notion'] });
});
