// Bounds the MCP requests an instance works on at once. Beyond the bound a new request waits its turn, in arrival
// order, before anything is spent on it. A request waiting on something outside (a provider, WorkOS, a person)
// gives its turn up meanwhile: back with the answer, it takes the next free turn ahead of every new request, or at
// once, beyond the bound, when a person's decision is what it brings (a wake-up is short, and someone waits on it).
// So the event loop's turns stay short (every request in flight at once would make each turn as long as all of
// their steps together), a decision reaches its assistant in milliseconds even when assistants saturate the
// instance, a started call finishes before a new one starts, and a slow provider never keeps turns idle.

/** Where one request stands at the gate. */
type State = 'queued' | 'active' | 'parked' | 'returning' | 'done';

export interface Admission {
  state: State;
  /** When it arrived at the gate (ms, monotonic). */
  queuedAt: number;
  /** Given the admission itself: it may run before `enter` returns. */
  admitted: (admission: Admission) => void;
  refused: () => void;
  /** Set while it waits, back from outside, for a turn. */
  resume?: () => void;
}

export interface ParkOptions {
  /** Take the turn back at once on return, even beyond the limit: what returns is a person's decision. */
  urgent?: boolean;
}

export interface WorkGateOptions {
  /** Requests worked on at once; those waiting on something outside do not count. */
  limit: number;
  /** Longest a request waits for its turn before it is refused (503), so a stalled instance sheds load. */
  maxWaitMs: number;
  /**
   * A request that has waited this long while no turn was freed is refused at once (503): the requests holding
   * the turns are stuck (Redis paused: each waits out its command timeout), and waiting behind them in rounds
   * would only answer later with the same error. Default 500 ms (never beyond `maxWaitMs`).
   */
  stallMs?: number;
  now?: () => number;
}

const DEFAULT_STALL_MS = 500;

export class WorkGate {
  readonly limit: number;
  readonly #maxWaitMs: number;
  readonly #stallMs: number;
  readonly #now: () => number;
  #active = 0;
  /** When a turn was last freed (or the gate started): what a stall is measured from. */
  #lastFreed: number;
  /** FIFO: `#head` is the next to admit; released entries stay until reached (state `done`). */
  #queue: Admission[] = [];
  #head = 0;
  /** Requests back from outside, waiting for a turn: served before `#queue`, never refused (work is under way). */
  #returning: Admission[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer was meant to fire: how late it fired tells whether the event loop was blocked. */
  #timerDue = 0;
  /** A late timer's second look, after the I/O that arrived meanwhile was read (see #expire). */
  #secondLook: NodeJS.Immediate | undefined;
  /** Which admission a request's web view belongs to: tools see the view, not the express response. */
  readonly #byRequest = new WeakMap<object, Admission>();

  constructor(options: WorkGateOptions) {
    this.limit = options.limit;
    this.#maxWaitMs = options.maxWaitMs;
    this.#stallMs = Math.min(options.stallMs ?? DEFAULT_STALL_MS, options.maxWaitMs);
    this.#now = options.now ?? (() => performance.now());
    this.#lastFreed = this.#now();
  }

  /** Requests being worked on now (those waiting on something outside excluded). */
  get active(): number {
    return this.#active;
  }

  /**
   * Calls `admitted` now (before returning) or in its turn, or `refused` once it has waited `maxWaitMs`, or
   * `stallMs` without a turn being freed meanwhile. Exactly one of them runs, unless the admission is released
   * first.
   */
  enter(admitted: (admission: Admission) => void, refused: () => void): Admission {
    const admission: Admission = { state: 'queued', queuedAt: this.#now(), admitted, refused };
    this.#queue.push(admission);
    // With room, whatever is still in line was released while waiting: this one goes now, in order.
    if (this.#active < this.limit) this.#admitNext();
    else this.#armExpiry();
    return admission;
  }

  /** The request is over (answered, or its client went away): its place goes to the next in line. Idempotent. */
  release(admission: Admission): void {
    const was = admission.state;
    admission.state = 'done';
    if (was === 'active') {
      this.#active--;
      this.#lastFreed = this.#now();
      this.#admitNext();
    } else if (was === 'returning') {
      // Its client left while it waited to come back: let it finish (its answer goes nowhere) without a turn.
      admission.resume?.();
    }
  }

  /** Ties a request's web view to its admission, for `parked`. */
  bind(request: object, admission: Admission): void {
    this.#byRequest.set(request, admission);
  }

  /**
   * Waits for `waiting` without holding a turn: others are admitted meanwhile. Once it settles, the request takes
   * the next free turn ahead of every new request (at once with `urgent`). A request not seen by the gate just
   * waits.
   */
  async parked<T>(
    request: object | undefined,
    waiting: () => Promise<T>,
    options: ParkOptions = {},
  ): Promise<T> {
    const admission = request === undefined ? undefined : this.#byRequest.get(request);
    if (admission?.state !== 'active') return waiting();
    admission.state = 'parked';
    this.#active--;
    this.#lastFreed = this.#now();
    this.#admitNext();
    let value: T;
    try {
      value = await waiting();
    } catch (error) {
      await this.#comeBack(admission, options.urgent === true);
      throw error;
    }
    await this.#comeBack(admission, options.urgent === true);
    return value;
  }

  /** Back from outside: a turn now if there is one (or when urgent), else the first free one. */
  #comeBack(admission: Admission, urgent: boolean): Promise<void> | undefined {
    // Released meanwhile (its client left): it finishes without a turn.
    if (admission.state !== 'parked') return undefined;
    if (urgent || this.#active < this.limit) {
      admission.state = 'active';
      this.#active++;
      return undefined;
    }
    admission.state = 'returning';
    return new Promise<void>((resolve) => {
      admission.resume = resolve;
      this.#returning.push(admission);
    });
  }

  /** Stops the expiry timer (shutdown); queued requests are left to the server's own close. */
  close(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#secondLook);
    this.#timer = undefined;
    this.#secondLook = undefined;
  }

  #admitNext(): void {
    while (this.#active < this.limit && this.#returning.length > 0) {
      const back = this.#returning.shift() as Admission;
      if (back.state !== 'returning') continue;
      this.#active++;
      back.state = 'active';
      back.resume?.();
    }
    while (this.#active < this.limit && this.#head < this.#queue.length) {
      const next = this.#queue[this.#head++] as Admission;
      if (next.state !== 'queued') continue;
      if (this.#overdue(next, this.#now())) {
        next.state = 'done';
        next.refused();
        continue;
      }
      this.#active++;
      next.state = 'active';
      next.admitted(next);
    }
    this.#compact();
  }

  /** When a waiting request is refused: after `maxWaitMs`, or `stallMs` with no turn freed since it came. */
  #refuseAt(admission: Admission): number {
    return Math.min(
      admission.queuedAt + this.#maxWaitMs,
      Math.max(admission.queuedAt, this.#lastFreed) + this.#stallMs,
    );
  }

  #overdue(admission: Admission, now: number): boolean {
    return now >= this.#refuseAt(admission);
  }

  /**
   * The refusal timer. One that fires well past its time says the event loop itself was blocked (a long GC pause,
   * a starved machine): no turn could be freed meanwhile, however healthy Redis is, and the replies that would
   * free them are waiting to be read. So the stall is judged after that I/O (setImmediate runs right after it).
   */
  #expire = (): void => {
    this.#timer = undefined;
    if (this.#now() - this.#timerDue > this.#stallMs / 5) {
      this.#secondLook = setImmediate(this.#lookAgain);
      this.#secondLook.unref();
      return;
    }
    this.#refuseOverdue();
  };

  #lookAgain = (): void => {
    this.#secondLook = undefined;
    this.#refuseOverdue();
  };

  /**
   * Refuses, from the front, every request that has waited too long: FIFO, so the front is the oldest, and the
   * first that may still wait has every later one behind it (they came later, after the same last freed turn).
   */
  #refuseOverdue(): void {
    const now = this.#now();
    while (this.#head < this.#queue.length) {
      const first = this.#queue[this.#head] as Admission;
      if (first.state === 'queued' && !this.#overdue(first, now)) break;
      this.#head++;
      if (first.state === 'queued') {
        first.state = 'done';
        first.refused();
      }
    }
    this.#compact();
    this.#armExpiry();
  }

  #armExpiry(): void {
    if (this.#timer !== undefined || this.#secondLook !== undefined || this.#head === this.#queue.length)
      return;
    const first = this.#queue[this.#head] as Admission;
    const due = Math.max(0, this.#refuseAt(first) - this.#now());
    this.#timerDue = this.#now() + due + 1;
    this.#timer = setTimeout(this.#expire, due + 1);
    this.#timer.unref();
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
