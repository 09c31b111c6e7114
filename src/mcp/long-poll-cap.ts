// A per-person cap on check_access_request calls held open at once (waitSeconds > 0), on this instance: one
// person's assistants cannot hold every connection of the server open. The call beyond the cap answers at once
// with the request's status and why it did not wait, instead of queueing behind the others.
/** Default for MAX_LONG_POLLS_PER_USER: a handful of assistants or sessions waiting on their own requests. */
export const DEFAULT_MAX_LONG_POLLS_PER_USER = 4;

export class LongPollCap {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /** A release function when the person may hold another call open; null when they are at the cap. */
  acquire(userId: string): (() => void) | null {
    const count = this.held.get(userId) ?? 0;
    if (count >= this.max) return null;
    this.held.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left <= 0) this.held.delete(userId);
      else this.held.set(userId, left);
    };
  }

  /** Calls held open for this person now. */
  holding(userId: string): number {
    return this.held.get(userId) ?? 0;
  }
}

/** What the model reads when its call did not wait: the number, and what to do instead. */
export function longPollCapNote(max: number): string {
  return `Not waited: you already have ${max} check_access_request calls waiting (the most one person may hold open at once). This call answered at once; let one of them return, or call again later.`;
}
