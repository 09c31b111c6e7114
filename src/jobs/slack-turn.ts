// A deferred job's place in a Slack channel's line (src/slack/retry-gate.ts): the gate hands it out with the
// deferral, the worker keeps it in the job's data and runs the job's next run inside it, so that run is let
// through at its turn while calls that came later queue behind it.
import { AsyncLocalStorage } from 'node:async_hooks';

/** A turn in one gate's line: the token the gate queued it under. */
export interface SlackTurn {
  gate: string;
  token: string;
}

/** Set for every job run (the turn it holds, if any): a deferral inside one is kept by the worker. */
const jobRun = new AsyncLocalStorage<{ turn?: SlackTurn }>();

/** Runs a job's handler, holding `turn` when an earlier run was given one. */
export function runJobHolding<T>(turn: SlackTurn | undefined, run: () => T): T {
  return jobRun.run({ turn }, run);
}

/** The token of the turn the running job holds in `gate`'s line, if it holds one there. */
export function heldTurn(gate: string): string | undefined {
  const turn = jobRun.getStore()?.turn;
  return turn?.gate === gate ? turn.token : undefined;
}

/** True inside a job run: a turn a deferral gives is kept with the job, not by the caller's process. */
export const inJobRun = (): boolean => jobRun.getStore() !== undefined;

/** A turn as the worker stored it in a job's data; anything else (an older job, a bad value) is none. */
export function asSlackTurn(value: unknown): SlackTurn | undefined {
  const turn = value as Partial<SlackTurn> | null | undefined;
  return typeof turn?.gate === 'string' && typeof turn.token === 'string'
    ? { gate: turn.gate, token: turn.token }
    : undefined;
}
