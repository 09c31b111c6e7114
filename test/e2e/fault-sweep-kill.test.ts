// Fault: a worker SIGKILLed at a random point of its catch-up sweep (real processes, real Redis, the Slack
// stand-in). Every overdue grant still ends expired, audited once, its message showing it once, no buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KillPoint,
  runSweepKillTrial,
  type SweepKillWorld,
  startSweepKillWorld,
} from '../support/sweep-kill.js';

const GRANTS = 50;
const TRIALS: KillPoint[] = ['transitions', 'updates', 'transitions'];
let world: SweepKillWorld;

beforeAll(async () => {
  // Long enough to request and post every grant of a trial before its first deadline on a slow machine.
  world = await startSweepKillWorld({ decisionWindowMs: 30_000 });
}, 60_000);
afterAll(async () => {
  await world?.stop();
});

describe('worker SIGKILL mid-sweep', () => {
  it.each(TRIALS.map((killAt, i) => ({ trial: i + 1, killAt })))(
    'trial $trial (kill after a random number of $killAt): nothing lost, audited once, rendered once',
    async ({ killAt }) => {
      const killAfter = 1 + Math.floor(Math.random() * (GRANTS - 1));
      // The restarted worker takes the dead one's leases as they lapse, and its running jobs after BullMQ's
      // stalled-job check: generous, since it is the outcome that is asserted, not the time.
      const result = await runSweepKillTrial(world, { grants: GRANTS, killAt, killAfter, settleMs: 150_000 });
      const { workerOutput, ...figures } = result;
      const context = `${JSON.stringify(figures)}\n${workerOutput.slice(-4000)}`;
      expect(result.killedAfter, 'the worker was killed').not.toBeNull();
      expect(result, context).toMatchObject({
        grants: GRANTS,
        notExpired: 0,
        missingEvents: 0,
        duplicateEvents: 0,
        messagesFinal: GRANTS,
        changedAfterExpired: 0,
        failedJobs: 0,
      });
      // Exactly once: an update Slack received just before the kill, whose job then ran again, is not sent a
      // second time (the re-run reads the message back first).
      expect(result.updatedOnce, context).toBe(GRANTS);
      expect(result.updatedMore, context).toBe(0);
    },
    300_000,
  );
});
