// One Slack message per grant even when a worker dies between chat.postMessage and recording the message: the
// post is marked first and carries the grant id in its metadata, so the retry (or a later refresh) finds the
// message with conversations.history and adopts it instead of posting a second one.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../../src/redis/connections.js';
import { type MessageRef, MessageRefs } from '../../../src/slack/message-refs.js';
import { requestMetadata } from '../../../src/slack/posted-lookup.js';
import {
  ALICE,
  actionIds,
  approvedBy,
  BOB_IN_SLACK,
  cleanUp,
  grantFor,
  startWorld,
  type World,
  type WorldOptions,
} from './messenger-world.js';

const APPROVALS = 'C0APPROVALS';

/** MessageRefs whose next claim fails as a crash right after the post would: Slack has the message, Redis not. */
class CrashingRefs extends MessageRefs {
  crashes = 0;
  override async claimOrGet(grantId: string, ref: MessageRef) {
    if (this.crashes > 0) {
      this.crashes -= 1;
      throw new Error('worker died before recording the message');
    }
    return super.claimOrGet(grantId, ref);
  }
}

let world: World | null = null;
let refs: CrashingRefs;
const start = async (selfApprove: 'write' | 'none', more: Partial<WorldOptions> = {}) => {
  world = await startWorld({
    selfApprove,
    approvalsChannel: APPROVALS,
    ...more,
    refs: (redis: Redis, prefix: string, ms: number) => {
      refs = new CrashingRefs(redis, prefix, ms);
      return refs;
    },
  });
  return world;
};

afterEach(async () => {
  await world?.close();
  world = null;
});
afterAll(cleanUp);

const ofGrant = (w: World, channel: string, grantId: string) =>
  w.standIn.messages(channel).filter((m) => JSON.stringify(m.metadata ?? {}).includes(grantId));

describe('a crash between post and record', () => {
  it('the retry adopts the posted message: the channel holds one message, re-rendered', async () => {
    const w = await start('none');
    const grant = grantFor();
    refs.crashes = 1;
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    expect(ofGrant(w, APPROVALS, grant.id)).toHaveLength(1);
    expect(await refs.get(grant.id)).toBeNull();

    await w.messenger.sync(grant, 'pending');
    const messages = ofGrant(w, APPROVALS, grant.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.metadata).toEqual(requestMetadata(grant.id));
    expect(await refs.get(grant.id)).toEqual({ channel: APPROVALS, ts: messages[0]!.ts });
    expect(messages[0]!.edits).toBe(1);
    expect(await refs.postings(grant.id)).toEqual([]);
    expect(w.standIn.calls('chat.postMessage')).toHaveLength(1);
  });

  it('in a self-approval DM too (posted to the user id, found in the D… conversation)', async () => {
    const w = await start('write');
    const grant = grantFor();
    refs.crashes = 1;
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    await w.messenger.sync(grant, 'pending');
    const dm = w.standIn.channelFor(ALICE);
    expect(ofGrant(w, dm, grant.id)).toHaveLength(1);
    expect(await refs.get(grant.id)).toEqual({ channel: dm, ts: ofGrant(w, dm, grant.id)[0]!.ts });
  });

  it('a decision made before the retry updates the orphan instead of leaving live buttons', async () => {
    const w = await start('none');
    const grant = grantFor();
    refs.crashes = 1;
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    await w.messenger.sync(approvedBy(grant, BOB_IN_SLACK), 'approved');
    const messages = ofGrant(w, APPROVALS, grant.id);
    expect(messages).toHaveLength(1);
    expect(actionIds(messages[0]!.blocks)).not.toContain('cs_approve');
    expect(messages[0]!.text).toMatch(/approved/i);
  });

  it('a post that never reached Slack is simply made on the retry', async () => {
    const w = await start('none');
    const grant = grantFor();
    w.standIn.outage('chat.postMessage', { status: 503, times: 1 });
    await expect(w.messenger.sync(grant, 'pending')).rejects.toBeTruthy();
    await w.messenger.sync(grant, 'pending');
    expect(ofGrant(w, APPROVALS, grant.id)).toHaveLength(1);
    expect(w.standIn.calls('conversations.history').length).toBeGreaterThan(0);
  });

  it('a post Slack answered 429 was not made: no mark is left, and the retry posts without reading the history', async () => {
    const w = await start('none');
    const grant = grantFor();
    w.standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 });
    await expect(w.messenger.sync(grant, 'pending')).rejects.toBeTruthy();
    expect(ofGrant(w, APPROVALS, grant.id)).toHaveLength(0);
    expect(await refs.postings(grant.id)).toEqual([]);
    await w.messenger.sync(grant, 'pending');
    expect(ofGrant(w, APPROVALS, grant.id)).toHaveLength(1);
    expect(w.standIn.calls('conversations.history')).toHaveLength(0);
  });

  it('copies left by an older race are deleted when the first one is adopted', async () => {
    const w = await start('none');
    const grant = grantFor();
    refs.crashes = 2;
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    // A second worker that looked before the first one's post arrived (the mark cleared stands for that): it
    // posts a copy, and dies too.
    await refs.clearPosting(grant.id);
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    expect(ofGrant(w, APPROVALS, grant.id)).toHaveLength(2);
    const [oldest] = ofGrant(w, APPROVALS, grant.id);
    await w.messenger.sync(grant, 'pending');
    expect(ofGrant(w, APPROVALS, grant.id).map((m) => m.ts)).toEqual([oldest!.ts]);
    expect(await refs.get(grant.id)).toEqual({ channel: APPROVALS, ts: oldest!.ts });
  });
});

describe('when the lookup cannot be made', () => {
  it('an app installed without the history scopes still posts (as before), rather than never', async () => {
    const w = await start('none', { scopes: ['chat:write', 'im:write', 'users:read', 'users:read.email'] });
    const grant = grantFor();
    refs.crashes = 1;
    await expect(w.messenger.sync(grant, 'pending')).rejects.toThrow(/worker died/);
    await w.messenger.sync(grant, 'pending');
    expect(w.standIn.calls('conversations.history').map((c) => c.error)).toEqual(['missing_scope']);
    const messages = ofGrant(w, APPROVALS, grant.id);
    expect(await refs.get(grant.id)).toEqual({ channel: APPROVALS, ts: messages.at(-1)!.ts });
  });

  it('a post Slack refused leaves nothing to look for (the request goes to the approvers by DM instead)', async () => {
    const w = await start('none', { approvalsChannel: 'C0NOWHERE' });
    const grant = grantFor();
    await w.messenger.sync(grant, 'pending');
    // No posting mark is left for the channel that refused, nor for the DM that took the request.
    expect(await refs.postings(grant.id)).toEqual([]);
    expect((await refs.get(grant.id))?.channel).not.toBe('C0NOWHERE');
  });
});
