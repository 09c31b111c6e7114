// SlackMessenger after the request: the requester's outcome DM (once per status), nothing in the audit channel
// (SlackAuditFeed writes it, see audit-feed.test.ts), and what Slack errors do to the sync job (permanent ones
// are dropped, 429 pauses the queue). Real WebClient, Slack stand-in, real Redis.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/grants/types.js';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import { advance } from '../../unit/slack/grant-factory.js';
import {
  ALICE,
  ALICE_EMAIL,
  ALICE_ON_WEB,
  actionIds,
  approvedBy,
  BOB_IN_SLACK,
  cleanUp,
  grantFor,
  RefsReadTogether,
  startWorld,
  textOf,
  type World,
  type WorldOptions,
} from './messenger-world.js';

const APPROVALS = 'C0APPROVALS';
const AUDIT = 'C0GENERAL';
const ALICE_IN_SLACK: Actor = { type: 'user', id: ALICE, email: ALICE_EMAIL, via: 'slack' };
let world: World | null = null;
const start = async (options: WorldOptions) => {
  world = await startWorld(options);
  return world;
};

afterEach(async () => {
  await world?.close();
  world = null;
});
afterAll(cleanUp);

describe('outcome DM to the requester', () => {
  it('DMs the requester when an approver approved or denied their request', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    const approved = grantFor();
    await messenger.sync(approved, 'pending');
    await messenger.sync(approvedBy(approved, BOB_IN_SLACK), 'approved');
    const denied = grantFor();
    await messenger.sync(denied, 'pending');
    await messenger.sync(advance(denied, 'denied', { by: BOB_IN_SLACK }), 'denied');

    const dm = standIn.dmOf(ALICE);
    expect(dm.map((m) => m.text)).toEqual([
      expect.stringContaining('<@U0BOB> approved'),
      expect.stringContaining('<@U0BOB> denied'),
    ]);
    expect(textOf(dm[1]!.blocks)).toContain('Not during the freeze');
    expect(dm.flatMap((m) => actionIds(m.blocks))).toEqual([]);
  });

  it('sends no DM when the requester decided themselves (on the web or in Slack)', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'write' });
    for (const self of [ALICE_ON_WEB, ALICE_IN_SLACK]) {
      const grant = grantFor();
      await messenger.sync(grant, 'pending');
      await messenger.sync(approvedBy(grant, self), 'approved');
    }

    // Only the two request messages (now showing the approval) are in Alice's DM.
    expect(standIn.calls('chat.postMessage')).toHaveLength(2);
    expect(standIn.dmOf(ALICE).map((m) => m.edits)).toEqual([1, 1]);
  });

  it('a stale event (status passed ≠ grant.status) re-renders the message but sends no DM', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    const approved = approvedBy(grant, BOB_IN_SLACK);

    // The 'pending' job ran late, after the approval: the message must still show the current state.
    await messenger.sync(approved, 'pending');
    const [message] = standIn.messages(APPROVALS);
    expect(message!.edits).toBe(1);
    expect(actionIds(message!.blocks)).not.toContain('cs_approve');
    expect(standIn.dmOf(ALICE)).toEqual([]);

    // The 'approved' job then tells Alice, once, however often it runs.
    await messenger.sync(approved, 'approved');
    await messenger.sync(approved, 'approved');
    expect(standIn.dmOf(ALICE).map((m) => m.text)).toEqual([expect.stringContaining('<@U0BOB> approved')]);
    expect(standIn.messages(APPROVALS)).toHaveLength(1);
  });
});

describe('audit channel (written by SlackAuditFeed, never by the messenger)', () => {
  it('with AUDIT_CHANNEL set, posts nothing to it and asks for no permalink', async () => {
    const { standIn, messenger } = await start({
      selfApprove: 'read',
      approvalsChannel: APPROVALS,
      auditChannel: AUDIT,
    });
    const approved = grantFor();
    await messenger.sync(approved, 'pending');
    await messenger.sync(approvedBy(approved, BOB_IN_SLACK), 'approved');
    const denied = grantFor();
    await messenger.sync(denied, 'pending');
    await messenger.sync(advance(denied, 'denied', { by: BOB_IN_SLACK }), 'denied');
    const noSlack = grantFor({}, 'nobody@elsewhere.test');
    await messenger.sync(noSlack, 'pending');

    // Three request messages and two outcome DMs: every post went to the approvals channel or Alice.
    expect(standIn.calls('chat.postMessage').map((c) => c.args.channel)).toEqual([
      APPROVALS,
      ALICE,
      APPROVALS,
      ALICE,
      APPROVALS,
    ]);
    expect(standIn.messages(AUDIT)).toEqual([]);
    expect(standIn.calls('chat.getPermalink')).toEqual([]);
  });

  it('without AUDIT_CHANNEL, posts nothing but the request message', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'write' });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    await messenger.sync(approvedBy(grant, ALICE_ON_WEB), 'approved');

    expect(standIn.calls('chat.postMessage').map((c) => c.args.channel)).toEqual([ALICE]);
    expect(standIn.calls('chat.getPermalink')).toEqual([]);
    expect(standIn.messages(AUDIT)).toEqual([]);
  });
});

describe('Slack errors', () => {
  it('an approvals channel Slack refuses (channel_not_found) falls back to the approvers by DM, never silence', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'read', approvalsChannel: 'C0NOSUCH' });
    const grant = grantFor();
    await expect(messenger.sync(grant, 'pending')).resolves.toBeUndefined();

    expect(standIn.calls('chat.postMessage').map((c) => [c.args.channel, c.error])).toEqual([
      ['C0NOSUCH', 'channel_not_found'],
      ['U0BOB', undefined],
    ]);
    expect(await refs.get(grant.id)).toMatchObject({ channel: standIn.channelFor('U0BOB') });
  });

  it('any other Slack error (invalid_auth) is thrown, so the job retries', async () => {
    const { messenger } = await start({ selfApprove: 'write', botToken: 'xoxb-revoked' });
    await expect(messenger.sync(grantFor(), 'pending')).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('a 429 throws RetryLater with Retry-After in ms; the retried sync then posts once', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'write' });
    standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 2, times: 1 });
    const grant = grantFor();

    const error = await messenger.sync(grant, 'pending').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLater);
    expect((error as RetryLater).delayMs).toBe(2000);
    expect(standIn.calls('chat.postMessage').map((c) => c.status)).toEqual([429]);
    expect(standIn.dmOf(ALICE)).toEqual([]);
    expect(await refs.get(grant.id)).toBeNull();

    await messenger.sync(grant, 'pending');
    expect(standIn.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(standIn.dmOf(ALICE)).toHaveLength(1);
  });
});

describe('one-off effects happen once', () => {
  it('racing workers post one request message (the loser deletes its own), then one outcome DM', async () => {
    const { standIn, messenger, refs } = await start({
      selfApprove: 'read',
      approvalsChannel: APPROVALS,
      auditChannel: AUDIT,
      refs: (redis, prefix, retentionMs) => new RefsReadTogether(redis, prefix, retentionMs, 2),
    });
    const grant = grantFor();
    await Promise.all([messenger.sync(grant, 'pending'), messenger.sync(grant, 'pending')]);

    const requests = standIn.messages(APPROVALS);
    expect(requests).toHaveLength(1);
    expect(standIn.calls('chat.delete')).toHaveLength(1);
    expect(await refs.get(grant.id)).toEqual({ channel: APPROVALS, ts: requests[0]!.ts });

    const approved = approvedBy(grant, BOB_IN_SLACK);
    await Promise.all([messenger.sync(approved, 'approved'), messenger.sync(approved, 'approved')]);
    expect(standIn.dmOf(ALICE).map((m) => m.text)).toEqual([expect.stringContaining('<@U0BOB> approved')]);
    expect(standIn.messages(APPROVALS)).toHaveLength(1);
    expect(actionIds(standIn.messages(APPROVALS)[0]!.blocks)).not.toContain('cs_approve');
    expect(standIn.messages(AUDIT)).toEqual([]);
  });

  it('a 429 on the outcome DM hands it back to the retry, which DMs once; a later rerun DMs no more', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    const approved = approvedBy(grant, BOB_IN_SLACK);
    // The re-render is a chat.update: the next chat.postMessage is the outcome DM.
    standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 });

    await expect(messenger.sync(approved, 'approved')).rejects.toBeInstanceOf(RetryLater);
    expect(standIn.calls('chat.postMessage').map((c) => [c.args.channel, c.status])).toEqual([
      [APPROVALS, 200],
      [ALICE, 429],
    ]);
    expect(standIn.dmOf(ALICE)).toEqual([]);

    await messenger.sync(approved, 'approved');
    await messenger.sync(approved, 'approved');
    expect(standIn.dmOf(ALICE).map((m) => m.text)).toEqual([expect.stringContaining('<@U0BOB> approved')]);
  });
});
