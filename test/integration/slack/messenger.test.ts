// SlackMessenger on a real WebClient, the Slack stand-in and real Redis: where a request is posted, one
// message per grant even when workers race, and the same message re-rendered when the grant changes.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { T0 } from '../../unit/slack/grant-factory.js';
import {
  ALICE,
  actionIds,
  approvedBy,
  BOB_IN_SLACK,
  cleanUp,
  grantFor,
  RefsReadTogether,
  startWorld,
  type World,
  type WorldOptions,
} from './messenger-world.js';

const APPROVALS = 'C0APPROVALS';
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

describe('routing a new request', () => {
  it('posts a request the requester may approve themselves (write ≤ SELF_APPROVE=write) to their DM', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'write', approvalsChannel: APPROVALS });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');

    const dm = standIn.dmOf(ALICE);
    expect(dm).toHaveLength(1);
    expect(actionIds(dm[0]!.blocks)).toContain('cs_approve');
    expect(standIn.messages(APPROVALS)).toEqual([]);
    expect(await refs.get(grant.id)).toEqual({ channel: standIn.channelFor(ALICE), ts: dm[0]!.ts });
    expect(await refs.pending(T0)).toContain(grant.id);
  });

  it('posts a read request to the requester’s DM when SELF_APPROVE=read', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    await messenger.sync(grantFor({ level: 'read', requestedLevel: 'read' }), 'pending');

    expect(standIn.dmOf(ALICE)).toHaveLength(1);
    expect(standIn.messages(APPROVALS)).toEqual([]);
  });

  it('posts a write request to APPROVALS_CHANNEL when SELF_APPROVE=read', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');

    const posted = standIn.messages(APPROVALS);
    expect(posted).toHaveLength(1);
    expect(actionIds(posted[0]!.blocks)).toContain('cs_approve');
    expect(standIn.dmOf(ALICE)).toEqual([]);
    expect(await refs.get(grant.id)).toEqual({ channel: APPROVALS, ts: posted[0]!.ts });
  });

  it('posts a request the requester may not approve to their DM when no APPROVALS_CHANNEL is set', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'read' });
    await messenger.sync(grantFor(), 'pending');

    expect(standIn.calls('chat.postMessage').map((c) => c.args.channel)).toEqual([ALICE]);
    expect(standIn.dmOf(ALICE)).toHaveLength(1);
  });

  it('posts to APPROVALS_CHANNEL when the requester has no Slack account', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'write', approvalsChannel: APPROVALS });
    await messenger.sync(grantFor({}, 'nobody@elsewhere.test'), 'pending');

    expect(standIn.calls('users.lookupByEmail').map((c) => c.error)).toEqual(['users_not_found']);
    expect(standIn.messages(APPROVALS)).toHaveLength(1);
  });

  it('posts nothing, and does not throw, with no Slack account and no APPROVALS_CHANNEL', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'write' });
    const grant = grantFor({}, 'nobody@elsewhere.test');
    await expect(messenger.sync(grant, 'pending')).resolves.toBeUndefined();

    expect(standIn.calls('users.lookupByEmail')).toHaveLength(1);
    expect(standIn.calls('chat.postMessage')).toEqual([]);
    expect(await refs.get(grant.id)).toBeNull();
  });
});

describe('one message per grant', () => {
  it('a second sync of the same pending grant updates the message instead of posting again', async () => {
    const { standIn, messenger } = await start({ selfApprove: 'write' });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    await messenger.sync(grant, 'pending');

    expect(standIn.calls('chat.postMessage')).toHaveLength(1);
    expect(standIn.calls('chat.update')).toHaveLength(1);
    const dm = standIn.dmOf(ALICE);
    expect(dm).toHaveLength(1);
    expect(dm[0]!.edits).toBe(1);
  });

  it('two workers racing (Promise.all) both post, one claim wins, the loser deletes its duplicate', async () => {
    // Both read "no message yet" before either posts: the race the claim exists for.
    const { standIn, messenger, refs } = await start({
      selfApprove: 'write',
      refs: (redis, prefix, retentionMs) => new RefsReadTogether(redis, prefix, retentionMs, 2),
    });
    const grant = grantFor();
    await Promise.all([messenger.sync(grant, 'pending'), messenger.sync(grant, 'pending')]);

    const posts = standIn.calls('chat.postMessage');
    const deletes = standIn.calls('chat.delete');
    expect(posts).toHaveLength(2);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.ok).toBe(true);
    const dm = standIn.dmOf(ALICE);
    expect(dm).toHaveLength(1);
    const ref = await refs.get(grant.id);
    expect(ref).toEqual({ channel: standIn.channelFor(ALICE), ts: dm[0]!.ts });
    expect(deletes[0]!.args.ts).not.toBe(ref?.ts);
  });
});

describe('re-rendering', () => {
  it('an approval updates the same message (same ts) and removes the decision buttons', async () => {
    const { standIn, messenger, refs } = await start({ selfApprove: 'read', approvalsChannel: APPROVALS });
    const grant = grantFor();
    await messenger.sync(grant, 'pending');
    const [before] = standIn.messages(APPROVALS);
    expect(actionIds(before!.blocks)).toContain('cs_approve');

    await messenger.sync(approvedBy(grant, BOB_IN_SLACK), 'approved');

    const after = standIn.messages(APPROVALS);
    expect(after).toHaveLength(1);
    expect(after[0]!.ts).toBe(before!.ts);
    expect(after[0]!.edits).toBe(before!.edits + 1);
    expect(actionIds(after[0]!.blocks)).not.toContain('cs_approve');
    expect(actionIds(after[0]!.blocks)).not.toContain('cs_deny');
    // No second request message (Bob deciding does DM Alice: see the outcome tests).
    expect(standIn.calls('chat.postMessage').filter((c) => c.args.channel === APPROVALS)).toHaveLength(1);
    expect(await refs.pending(T0)).not.toContain(grant.id);
    expect(await refs.active(T0)).toContain(grant.id);
  });
});
