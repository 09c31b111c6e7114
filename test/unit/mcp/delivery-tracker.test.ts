// Specification of a long poll's view of its Slack message: read once at the start, then known from the posted
// notices when they can say, read again at the wake-up only when they cannot.
import { describe, expect, it, vi } from 'vitest';
import { DeliveryTracker } from '../../../src/mcp/delivery-tracker.js';
import type { SlackDelivery } from '../../../src/mcp/grant-view.js';

const NOT_POSTED: SlackDelivery = { delivered: false, channel: null };
const POSTED: SlackDelivery = { delivered: true, channel: 'C0APPROVALS' };

/** Slack deps whose reads answer `reads` in turn, and one watch whose state the test sets. */
function slack(reads: SlackDelivery[], complete: boolean) {
  const watch = { channel: null as string | null, complete: () => complete, stop: vi.fn() };
  let next = 0;
  const deps = {
    slackDelivery: vi.fn(async () => reads[Math.min(next++, reads.length - 1)]!),
    watchDelivery: vi.fn(() => watch),
  };
  return { deps, watch };
}

describe('DeliveryTracker', () => {
  it('without a wait, answers what the first read saw and watches nothing', async () => {
    const { deps } = slack([NOT_POSTED, POSTED], true);
    const tracker = new DeliveryTracker(deps, 'g_1', false);
    expect(await tracker.seen()).toEqual(NOT_POSTED);
    expect(await tracker.now()).toEqual(NOT_POSTED);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(1);
    expect(deps.watchDelivery).not.toHaveBeenCalled();
  });

  it('watches before the first read, so a post after that read is heard of', async () => {
    const { deps } = slack([NOT_POSTED], true);
    new DeliveryTracker(deps, 'g_1', true);
    expect(deps.watchDelivery.mock.invocationCallOrder[0]).toBeLessThan(
      deps.slackDelivery.mock.invocationCallOrder[0]!,
    );
  });

  it('posted during the wait: says where, as the notice told, without reading again', async () => {
    const { deps, watch } = slack([NOT_POSTED, NOT_POSTED], false);
    const tracker = new DeliveryTracker(deps, 'g_1', true);
    await tracker.seen();
    watch.channel = 'C0APPROVALS';
    tracker.onWake(true);
    expect(await tracker.now()).toEqual(POSTED);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(1);
  });

  it('woken by an event, no notice on a complete watch: not posted, without reading again', async () => {
    const { deps } = slack([NOT_POSTED, POSTED], true);
    const tracker = new DeliveryTracker(deps, 'g_1', true);
    await tracker.seen();
    tracker.onWake(true);
    expect(await tracker.now()).toEqual(NOT_POSTED);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(1);
  });

  it('woken by its timer, or decided without a wake-up: silence says nothing, so it reads', async () => {
    // A timer is not ordered with the notices, nor is a decision found by a read on another connection.
    const timed = slack([NOT_POSTED, POSTED], true);
    const byTimer = new DeliveryTracker(timed.deps, 'g_1', true);
    await byTimer.seen();
    byTimer.onWake(false);
    expect(await byTimer.now()).toEqual(POSTED);
    const read = slack([NOT_POSTED, POSTED], true);
    const unwoken = new DeliveryTracker(read.deps, 'g_2', true);
    await unwoken.seen();
    expect(await unwoken.now()).toEqual(POSTED);
    expect(read.deps.slackDelivery).toHaveBeenCalledTimes(2);
  });

  it('no notice on a watch that may have missed one: reads at the wake-up, once, and answers that', async () => {
    const { deps } = slack([NOT_POSTED, POSTED], false);
    const tracker = new DeliveryTracker(deps, 'g_1', true);
    await tracker.seen();
    tracker.onWake(true);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(2);
    expect(await tracker.now()).toEqual(POSTED);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(2);
  });

  it('posted before the first read: that holds, whatever the watch says', async () => {
    const { deps } = slack([POSTED], false);
    const tracker = new DeliveryTracker(deps, 'g_1', true);
    await tracker.seen();
    tracker.onWake(true);
    expect(await tracker.now()).toEqual(POSTED);
    expect(deps.slackDelivery).toHaveBeenCalledTimes(1);
  });

  it('after a wait without a watch (Slack deps without notices), reads again', async () => {
    const reads = [NOT_POSTED, POSTED];
    const slackDelivery = vi.fn(async () => reads.shift()!);
    const tracker = new DeliveryTracker({ slackDelivery }, 'g_1', true);
    await tracker.seen();
    tracker.onWake(true);
    expect(await tracker.now()).toEqual(POSTED);
  });

  it('stops its watch; without Slack it answers null and watches nothing', async () => {
    const { deps, watch } = slack([NOT_POSTED], true);
    const tracker = new DeliveryTracker(deps, 'g_1', true);
    tracker.stop();
    expect(watch.stop).toHaveBeenCalledOnce();
    const none = new DeliveryTracker({}, 'g_1', true);
    none.onWake(true);
    expect(await none.seen()).toBeUndefined();
    expect(await none.now()).toBeNull();
  });
});
