// SELF_APPROVE=read: the requester may approve their own request only as read, and may always deny it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB } from '../../../src/sandbox/people.js';
import { hiddenField, pageText, type WebBrowser } from '../../support/web-browser.js';
import { startWebHarness, type WebHarness } from '../../support/web-harness.js';

const MINUTE = 60_000;
const LIMIT = 'you may approve your own requests up to read access; write access needs another approver';
let h: WebHarness;
let alice: WebBrowser;
let bob: WebBrowser;
beforeAll(async () => {
  h = await startWebHarness({ policy: { selfApprove: 'read' } });
  [alice, bob] = await Promise.all([h.signedIn(ALICE), h.signedIn(BOB)]);
});
afterAll(() => h.close());

describe('a requester limited to read', () => {
  it('is offered their write request as read only, with the reason', async () => {
    const grant = await h.broad();
    const page = await alice.visit(`/approve?token=${await h.tokenFor(grant)}`);
    expect(page.status).toBe(200);
    expect(pageText(page.body)).toContain('Write was requested; you can approve read only');
    expect(pageText(page.body)).toContain(`Y${LIMIT.slice(1)}.`);
    expect(page.body).toContain('<input type="hidden" name="level" value="read">');
    expect(page.body).not.toContain('value="write"');
  });

  it('cannot approve it as write, even by editing the form, but can as read', async () => {
    const grant = await h.broad();
    const token = await h.tokenFor(grant);
    const csrf = hiddenField((await alice.visit(`/approve?token=${token}`)).body, 'csrf');
    const fields = { token, csrf, decision: 'approve', providers: ['linear'], duration: String(15 * MINUTE) };

    const write = await alice.post('/approve', { ...fields, level: 'write' });
    expect(write.status).toBe(403);
    expect(pageText(write.body)).toContain(`Y${LIMIT.slice(1)}.`);
    expect(await h.store.get(grant.id)).toEqual(grant);
    expect(h.audit.at(-1)).toMatchObject({ type: 'grant.decision_refused', detail: `not allowed: ${LIMIT}` });

    const read = await alice.post('/approve', { ...fields, level: 'read' });
    expect(read.status).toBe(200);
    expect(await h.store.get(grant.id)).toMatchObject({
      status: 'approved',
      level: 'read',
      providers: ['linear'],
    });
  });

  it('may only deny a single write call, which an approver may approve', async () => {
    const grant = await h.request();
    const token = await h.tokenFor(grant);
    const page = await alice.visit(`/approve?token=${token}`);
    expect(page.body).toContain('name="decision" value="approve" disabled>');
    const csrf = hiddenField(page.body, 'csrf');
    expect((await alice.post('/approve', { token, csrf, decision: 'approve' })).status).toBe(403);
    expect((await h.store.get(grant.id))!.status).toBe('pending');

    const bobPage = await bob.visit(`/approve?token=${token}`);
    expect(bobPage.body).toContain('name="decision" value="approve">');
    const denied = await alice.post('/approve', { token, csrf, decision: 'deny', notes: 'wrong project' });
    expect(denied.status).toBe(200);
    expect(await h.store.get(grant.id)).toMatchObject({ status: 'denied', statusReason: 'wrong project' });
  });
});
