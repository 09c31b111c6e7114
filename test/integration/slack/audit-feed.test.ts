// SlackAuditFeed: the audit stream drained into the audit channel, one parent message per grant and every later
// event a reply in its thread, in stream order, once, within Slack's Retry-After. Real Redis (store, audit
// log, cursor, lock), a GatedWebClient and the Slack stand-in.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import type { SlackMessage } from '../../../src/sandbox/slack/types.js';
import {
  APPROVALS,
  AUDIT,
  BOB,
  cleanUpFeeds,
  events,
  type FeedWorld,
  MALLORY,
  startFeedWorld,
} from './audit-feed-world.js';
import { textOf } from './messenger-world.js';

const MINUTE = 60_000;
let world: FeedWorld | null = null;
const start = async () => {
  world = await startFeedWorld();
  return world;
};

afterEach(async () => {
  await world?.close();
  world = null;
});
afterAll(cleanUpFeeds);

const ok = <T>(result: { ok: true; grant: T } | { ok: false }): T => {
  if (!result.ok) throw new Error(`transition failed: ${JSON.stringify(result)}`);
  return result.grant;
};
/** "approved: g_… (…)" → "approved g_…", to compare a channel with the events in order. */
const summary = (m: SlackMessage) => m.text.replace(/^(\w+): (\S+).*$/s, '$1 $2');
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const linkTo = (channel: string, ts: string) =>
  `<https://sandbox.slack.com/archives/${channel}/p${ts.replace('.', '')}|open message>`;

describe('the first drain', () => {
  it('only sets the cursor to the end of the stream: history is not replayed, later events are', async () => {
    const { standIn, feed, record, request, store } = await start();
    const grant = await request();
    await record(events.requested(grant));
    await record(events.bySlack('grant.decision_refused', grant, MALLORY, 'not an approver'));

    const drainer = feed();
    expect(await drainer.drain()).toBe(0);
    expect(standIn.calls()).toEqual([]);
    expect(await drainer.drain()).toBe(0);
    expect(standIn.calls()).toEqual([]);

    ok(await store.approve(grant.id, BOB, {}));
    await record(events.bySlack('grant.approved', grant, BOB.id));
    expect(await drainer.drain()).toBe(1);
    // The feed never saw the request: the approval starts the grant's thread.
    expect(standIn.messages(AUDIT).map((m) => [summary(m), m.thread_ts])).toEqual([
      [`approved ${grant.id}`, undefined],
    ]);
  });
});

describe("a grant's life", () => {
  it('becomes one parent message and replies in its thread, in stream order; other events post nothing', async () => {
    const { standIn, feed, record, request, store, lines } = await start();
    const drainer = feed();
    expect(await drainer.drain()).toBe(0);

    const grant = await request();
    await record(events.requested(grant));
    const other = await request();
    await record(events.requested(other));
    ok(await store.approve(grant.id, BOB, { durationMs: 30 * MINUTE }));
    await record(events.bySlack('grant.approved', grant, BOB.id));
    // Not lines: an upstream call, a refusal naming no grant, an unknown grant.
    await record({ type: 'api.call', grantId: grant.id, upstream: { method: 'GET', status: 200 } });
    await record({
      type: 'grant.decision_refused',
      actor: { type: 'user', id: MALLORY, via: 'slack' },
      detail: 'foreign team T0OTHER',
    });
    await record({ ...events.requested(grant), grantId: 'g_no_such_grant' });
    const extended = ok(await store.extend(grant.id, BOB, Date.now() + 40 * MINUTE));
    const until = new Date(extended.expiresAt!).toISOString();
    await record(events.bySlack('grant.extended', grant, BOB.id, until));
    await record(events.bySlack('grant.decision_refused', grant, MALLORY, 'not an approver'));
    ok(await store.finish(grant.id, 'revoked', BOB, 'revoked by Bob in Slack'));
    await record(events.bySlack('grant.revoked', grant, BOB.id));

    expect(await drainer.drain()).toBe(6);
    const posted = lines();
    expect(posted.map(summary)).toEqual([
      `requested ${grant.id}`,
      `requested ${other.id}`,
      `approved ${grant.id}`,
      `extended ${grant.id}`,
      `refused ${grant.id}`,
      `revoked ${grant.id}`,
    ]);
    const [parent, otherParent, ...replies] = posted;
    expect(parent!.thread_ts).toBeUndefined();
    expect(otherParent!.thread_ts).toBeUndefined();
    expect(replies.map((m) => m.thread_ts)).toEqual(replies.map(() => parent!.ts));

    const [approved, extension, refused, revoked] = replies.map((m) => textOf(m.blocks));
    expect(textOf(parent!.blocks)).toContain('Claude Code for <@U0ALICE> asks for write');
    expect(approved).toContain('<@U0BOB> approved');
    expect(extension).toContain('<@U0BOB> extended');
    expect(refused).toContain('<@U0MALLORY> was refused');
    expect(refused).toContain('not an approver');
    expect(revoked).toContain('<@U0BOB> revoked');
    expect(revoked).toContain('revoked by Bob in Slack');
    expect(standIn.calls('chat.postMessage').map((c) => c.args.channel)).toEqual(posted.map(() => AUDIT));

    // Drained: nothing more until the next event, which joins the thread.
    expect(await drainer.drain()).toBe(0);
    await record(events.bySlack('grant.approved', other, BOB.id));
    ok(await store.approve(other.id, BOB, {}));
    expect(await drainer.drain()).toBe(1);
    expect(lines().at(-1)!.thread_ts).toBe(otherParent!.ts);
  });

  it('links to the grant’s message once it has one, asking Slack for the permalink once', async () => {
    const { standIn, feed, record, request, store, refs, lines } = await start();
    const drainer = feed();
    await drainer.drain();
    const grant = await request();
    await record(events.requested(grant));
    expect(await drainer.drain()).toBe(1);
    expect(textOf(lines()[0]!.blocks)).not.toContain('open message');
    expect(standIn.calls('chat.getPermalink')).toEqual([]);

    const message = standIn.say({ as: BOB.id, channel: APPROVALS, text: 'the request message' });
    expect(await refs.claim(grant.id, { channel: APPROVALS, ts: message.ts })).toBe(true);
    ok(await store.approve(grant.id, BOB, {}));
    await record(events.bySlack('grant.approved', grant, BOB.id));
    await record(events.bySlack('grant.revoked', grant, BOB.id));
    ok(await store.finish(grant.id, 'revoked', BOB, null));
    expect(await drainer.drain()).toBe(2);

    const link = linkTo(APPROVALS, message.ts);
    expect(lines().map((m) => textOf(m.blocks).includes(link))).toEqual([false, true, true]);
    expect(standIn.calls('chat.getPermalink')).toHaveLength(1);
  });
  // BUG in src/slack/audit-feed.ts: release_access on a pending grant cancels it and records `grant.released`
  // (detail "cancelled"); the feed maps every grant.released to a "released … access early" line, so a
  // withdrawn request reads as released access. auditLine's 'cancelled' line (which the messenger wrote before
  // the move) is unreachable. Flip to it() once the feed names it 'cancelled'.
  it('a request the assistant withdrew (grant.released on a pending grant) reads as cancelled', async () => {
    const { feed, record, request, store, lines } = await start();
    const drainer = feed();
    await drainer.drain();
    const grant = await request();
    await record(events.requested(grant));
    ok(await store.cancel(grant.id, { type: 'assistant', id: grant.owner.userId, via: 'mcp' }));
    await record({
      type: 'grant.released',
      grantId: grant.id,
      kind: grant.kind,
      userId: grant.owner.userId,
      actor: { type: 'assistant', id: grant.owner.userId, via: 'mcp' },
      detail: 'cancelled',
    });
    expect(await drainer.drain()).toBe(2);
    expect(lines().map(summary)).toEqual([`requested ${grant.id}`, `cancelled ${grant.id}`]);
    expect(textOf(lines()[1]!.blocks)).toContain('Claude Code withdrew its request');
  });
});

describe('once, in order, within the limits', () => {
  async function grantWithHistory(w: FeedWorld): Promise<Grant> {
    const grant = await w.request();
    await w.record(events.requested(grant));
    ok(await w.store.approve(grant.id, BOB, {}));
    await w.record(events.bySlack('grant.approved', grant, BOB.id));
    ok(await w.store.extend(grant.id, BOB, Date.now() + 2 * 60 * MINUTE));
    await w.record(events.bySlack('grant.extended', grant, BOB.id));
    await w.record(events.bySlack('grant.decision_refused', grant, MALLORY, 'not an approver'));
    ok(await w.store.finish(grant.id, 'revoked', BOB, null));
    await w.record(events.bySlack('grant.revoked', grant, BOB.id));
    return grant;
  }
  const lifeOf = (grant: Grant) =>
    ['requested', 'approved', 'extended', 'refused', 'revoked'].map((e) => `${e} ${grant.id}`);

  it('two instances draining at once post each event once (the lock); the lock is then free', async () => {
    const w = await start();
    const [one, two] = [w.feed(), w.feed()];
    await one.drain();
    const grant = await grantWithHistory(w);

    const counts = await Promise.all([one.drain(), two.drain()]);
    expect(counts.sort()).toEqual([0, 5]);
    expect(w.lines().map(summary)).toEqual(lifeOf(grant));
    expect(w.standIn.calls('chat.postMessage')).toHaveLength(5);

    const next = await w.request();
    await w.record(events.requested(next));
    expect(await two.drain()).toBe(1);
    expect(await one.drain()).toBe(0);
    expect(w.lines().map(summary)).toEqual([...lifeOf(grant), `requested ${next.id}`]);
  });

  it('a 429 mid-drain throws RetryLater; the next drain after the window resumes there, no gap or duplicate', async () => {
    const w = await start();
    const { standIn } = w;
    const drainer = w.feed();
    await drainer.drain();
    const grant = await grantWithHistory(w);
    // Slack says 429 to the third line.
    let seen = 0;
    void standIn
      .waitForMessage((m, change) => change === 'posted' && m.channel === AUDIT && ++seen === 2, 30_000)
      .then(() => standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 }))
      .catch(() => undefined);

    const error = await drainer.drain().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLater);
    expect((error as RetryLater).delayMs).toBe(1000);
    expect(standIn.calls('chat.postMessage').map((c) => c.status)).toEqual([200, 200, 429]);
    expect(w.lines().map(summary)).toEqual(lifeOf(grant).slice(0, 2));

    // Inside the window the gate answers for Slack: no call goes out.
    await expect(w.feed().drain()).rejects.toBeInstanceOf(RetryLater);
    expect(standIn.calls('chat.postMessage')).toHaveLength(3);

    await wait((error as RetryLater).delayMs + 50);
    expect(await drainer.drain()).toBe(3);
    const posted = w.lines();
    expect(posted.map(summary)).toEqual(lifeOf(grant));
    expect(posted.slice(1).map((m) => m.thread_ts)).toEqual([1, 2, 3, 4].map(() => posted[0]!.ts));
    expect(standIn.retryAfterViolations()).toEqual([]);
  });

  it('a 429 on the permalink lookup stops the drain before the line; after the window it has its link', async () => {
    const w = await start();
    const drainer = w.feed();
    await drainer.drain();
    const grant = await w.request();
    const message = w.standIn.say({ as: BOB.id, channel: APPROVALS, text: 'the request message' });
    await w.refs.claim(grant.id, { channel: APPROVALS, ts: message.ts });
    await w.record(events.requested(grant));
    w.standIn.rateLimit('chat.getPermalink', { retryAfterSeconds: 1, times: 1 });

    await expect(drainer.drain()).rejects.toBeInstanceOf(RetryLater);
    expect(w.standIn.calls('chat.getPermalink').map((c) => c.status)).toEqual([429]);
    expect(w.standIn.calls('chat.postMessage')).toEqual([]);

    await wait(1050);
    expect(await drainer.drain()).toBe(1);
    expect(textOf(w.lines()[0]!.blocks)).toContain(linkTo(APPROVALS, message.ts));
    expect(w.standIn.retryAfterViolations()).toEqual([]);
  });
});
