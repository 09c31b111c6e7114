// SlackMessenger after the request: the requester's outcome DM, the audit channel, and what Slack errors do to
// the sync job (permanent ones are dropped, 429 pauses the queue). Real WebClient, Slack stand-in, real Redis.
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
const permalinkOf = (ref: { channel: string; ts: string } | null) =>
  ref ? `https://sandbox.slack.com/archives/${ref.channel}/p${ref.ts.replace('.', '')}` : 'no ref';

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

  it('a stale event (status passed ≠ grant.status) re-renders the message but sends no DM and no audit line', async () => {
    const { standIn, messenger } = await start({
      selfApprove: 'read',
      approvalsChannel: APPROVALS,
      auditChannel: AUDIT,
    });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    expect(standIn.messages(AUDIT)).toHaveLength(1);
    const approved = approvedBy(grant, BOB_IN_SLACK);

    // The 'pending' job ran late, after the approval: the message must still show the current state.
    await messenger.sync(approved, 'pending');
    const [message] = standIn.messages(APPROVALS);
    expect(message!.edits).toBe(1);
    expect(actionIds(message!.blocks)).not.toContain('cs_approve');
    expect(standIn.dmOf(ALICE)).toEqual([]);
    expect(standIn.messages(AUDIT)).toHaveLength(1);

    // The 'approved' job then tells Alice and the audit channel, once.
    await messenger.sync(approved, 'approved');
    expect(standIn.dmOf(ALICE)).toHaveLength(1);
    expect(standIn.messages(AUDIT).map((m) => m.text)).toEqual([
      expect.stringMatching(/^requested: /),
      expect.stringMatching(/^approved: /),
    ]);
  });
});

describe('audit channel', () => {
  it('with AUDIT_CHANNEL, writes a requested and an approved line linking to the request message', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'write', auditChannel: AUDIT });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    await messenger.sync(approvedBy(grant, ALICE_ON_WEB), 'approved');

    const lines = standIn.messages(AUDIT);
    expect(lines.map((m) => m.text)).toEqual([
      `requested: ${grant.id} (the assistant (Claude Code))`,
      `approved: ${grant.id} (${ALICE_EMAIL})`,
    ]);
    const link = permalinkOf(await refs.get(grant.id));
    expect(textOf(lines[0]!.blocks)).toContain(`<${link}|open message>`);
    expect(textOf(lines[1]!.blocks)).toContain(`<${link}|open message>`);
    expect(lines.flatMap((m) => actionIds(m.blocks))).toEqual([]);
  });

  it('writes the line without a link when the request has no Slack message', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'write', auditChannel: AUDIT });
    const grant = grantFor({}, 'nobody@elsewhere.test');
    await messenger.sync(grant, 'pending');

    const lines = standIn.messages(AUDIT);
    expect(lines.map((m) => m.text)).toEqual([expect.stringMatching(/^requested: /)]);
    expect(textOf(lines[0]!.blocks)).toContain('nobody@elsewhere.test');
    expect(textOf(lines[0]!.blocks)).not.toContain('open message');
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
  it('a permanent error (channel_not_found) is dropped: sync resolves, nothing is retried', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'read', approvalsChannel: 'C0NOSUCH' });
    const grant = grantFor();
    await expect(messenger.sync(grant, 'pending')).resolves.toBeUndefined();

    expect(standIn.calls('chat.postMessage').map((c) => [c.args.channel, c.error])).toEqual([
      ['C0NOSUCH', 'channel_not_found'],
    ]);
    expect(standIn.calls().map((c) => c.method)).toEqual(['users.lookupByEmail', 'chat.postMessage']);
    expect(await refs.get(grant.id)).toBeNull();
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
  it('racing workers write one "requested" audit line (the loser deletes its message and stops)', async () => {
    const { standIn, messenger } = await start({
      selfApprove: 'write',
      auditChannel: AUDIT,
      refs: (redis, prefix, retentionMs) => new RefsReadTogether(redis, prefix, retentionMs, 2),
    });
    const grant = grantFor();
    await Promise.all([messenger.sync(grant, 'pending'), messenger.sync(grant, 'pending')]);

    expect(standIn.dmOf(ALICE)).toHaveLength(1);
    expect(standIn.messages(AUDIT)).toHaveLength(1);
  });

  it('a 429 on the audit line does not DM the outcome twice when the job is retried', async () => {
    const { standIn, messenger } = await start({
      selfApprove: 'read',
      approvalsChannel: APPROVALS,
      auditChannel: AUDIT,
    });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    const approved = approvedBy(grant, BOB_IN_SLACK);
    // Slack says 429 to the post right after the outcome DM: the audit line.
    const dmPosted = standIn.waitForMessage((m) => m.channel === standIn.channelFor(ALICE));
    void dmPosted
      .then(() => standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 }))
      .catch(() => undefined);
    await expect(messenger.sync(approved, 'approved')).rejects.toBeInstanceOf(RetryLater);
    await messenger.sync(approved, 'approved');

    expect(standIn.messages(AUDIT).map((m) => m.text)).toHaveLength(2);
    expect(standIn.dmOf(ALICE)).toHaveLength(1);
  });
});
