// Turns in channel lines (src/slack/retry-gate.ts) given to calls made outside a job (a policy notice, a setup
// DM): no worker keeps them, so the process does, and its next call through that gate presents the earliest one
// that has come. Without it such a caller, retrying when told, would find its own turn due and queue again.
import { CHANNEL_PACE_MS } from './retry-gate.js';

/** A turn that came this long ago or comes within this long may be presented (half the line's pace). */
const DUE_WITHIN_MS = CHANNEL_PACE_MS / 2;
/** The gate forgets turns a minute after they came, as it does. */
const FORGET_AFTER_MS = 60_000;
/** Per gate at most: a process makes few calls outside jobs. */
const MAX_PER_GATE = 100;

export class LooseTurns {
  private readonly byGate = new Map<string, Array<{ token: string; at: number }>>();

  /** Keeps a turn given `ms` from `now`. */
  keep(gate: string, token: string, ms: number, now = Date.now()): void {
    const turns = this.byGate.get(gate) ?? [];
    turns.push({ token, at: now + ms });
    turns.sort((a, b) => a.at - b.at);
    this.byGate.set(gate, turns.slice(-MAX_PER_GATE));
  }

  /** The token of the earliest turn in `gate`'s line that has come (removed: a turn is used once), if any. */
  take(gate: string, now = Date.now()): string | undefined {
    const turns = this.byGate.get(gate)?.filter((t) => t.at > now - FORGET_AFTER_MS);
    if (!turns?.length) {
      this.byGate.delete(gate);
      return undefined;
    }
    const due = turns[0]!.at <= now + DUE_WITHIN_MS ? turns.shift() : undefined;
    if (turns.length) this.byGate.set(gate, turns);
    else this.byGate.delete(gate);
    return due?.token;
  }
}
