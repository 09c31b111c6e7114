// A refresh job run again after a crash (its chat.update may have reached Slack before the worker died) reads
// the message back and sends the update only when Slack does not show it yet; a first run never reads.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RetryLater } from '../../../src/jobs/grant-jobs.js';
import {
  approvedBy,
  BOB_IN_SLACK,
  cleanUp,
  grantFor,
  startWorld,
  type World,
  type WorldOptions,
} from './messenger-world.js';

const APPROVALS = 'C0APPROVALS';
let world: World | null = null;
const start = async (more: Partial<WorldOptions> = {}) => {
  world = await startWorld({ selfApprove: 'none', approvalsChannel: APPROVALS, ...more });
  return world;
};
afterEach(async () => {
  await world?.close();
  world = null;
});
afterAll(cleanUp);

const updates = (w: World) => w.standIn.calls('chat.update').length;
const reads = (w: World) => w.standIn.calls('conversations.history').length;

describe('a refresh run again after a crash', () => {
  it('does not send an update Slack already shows, and sends one it does not', async () => {
    const w = await start();
    const grant = grantFor();
    await w.messenger.sync(grant, 'pending');
    const approved = approvedBy(grant, BOB_IN_SLACK);
    // The first run: no read, one update.
    await w.messenger.sync(approved, 'approved');
    expect([reads(w), updates(w)]).toEqual([0, 1]);

    // The worker died after the update reached Slack: the re-run sees it there and sends nothing.
    await w.messenger.sync(approved, 'approved', { rerun: true });
    expect([reads(w), updates(w)]).toEqual([1, 1]);
    const [message] = w.standIn.messages(APPROVALS);
    expect(message!.edits).toBe(1);

    // The worker died before the update reached Slack (the message still shows the request): it goes out.
    const other = grantFor();
    await w.messenger.sync(other, 'pending');
    const otherApproved = approvedBy(other, BOB_IN_SLACK);
    await w.messenger.sync(otherApproved, 'approved', { rerun: true });
    expect([reads(w), updates(w)]).toEqual([2, 2]);
    const shown = w.standIn.messages(APPROVALS).find((m) => m.ts !== message!.ts);
    expect(shown!.edits).toBe(1);
    expect(JSON.stringify(shown!.blocks)).not.toContain('cs_approve');
  });

  it('updates as before when Slack refuses the read (an app without the history scopes)', async () => {
    const w = await start({ scopes: ['chat:write', 'im:write', 'users:read', 'users:read.email'] });
    const grant = grantFor();
    await w.messenger.sync(grant, 'pending');
    const approved = approvedBy(grant, BOB_IN_SLACK);
    await w.messenger.sync(approved, 'approved');
    await w.messenger.sync(approved, 'approved', { rerun: true });
    expect(w.standIn.calls('conversations.history').map((c) => c.error)).toEqual(['missing_scope']);
    expect(updates(w)).toBe(2);
  });
});

describe('a run Slack defers', () => {
  const deferral = async (work: Promise<void>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLater);
    return (error as RetryLater).sentNothing;
  };

  it('says it sent nothing when the update itself was refused (429): its repeat needs no read-back', async () => {
    const w = await start();
    const grant = grantFor();
    await w.messenger.sync(grant, 'pending');
    w.standIn.rateLimit('chat.update', { retryAfterSeconds: 1, times: 1 });
    expect(await deferral(w.messenger.sync(approvedBy(grant, BOB_IN_SLACK), 'approved'))).toBe(true);
    expect(w.standIn.messages(APPROVALS)[0]!.edits).toBe(0);
  });

  it('does not say so when the update went out and the DM after it was refused', async () => {
    const w = await start();
    const grant = grantFor();
    await w.messenger.sync(grant, 'pending');
    w.standIn.rateLimit('chat.postMessage', { retryAfterSeconds: 1, times: 1 });
    expect(await deferral(w.messenger.sync(approvedBy(grant, BOB_IN_SLACK), 'approved'))).toBe(false);
    expect(w.standIn.messages(APPROVALS)[0]!.edits).toBe(1);
  });
});
