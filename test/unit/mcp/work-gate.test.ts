import { describe, expect, it } from 'vitest';
import { type Admission, WorkGate } from '../../../src/mcp/work-gate.js';

/** A gate on a hand-moved clock, and a log of who was admitted or refused, in order. */
function gateOf(limit: number, maxWaitMs = 1000, stallMs?: number) {
  let now = 0;
  const log: string[] = [];
  const gate = new WorkGate({ limit, maxWaitMs, stallMs, now: () => now });
  const enter = (name: string): Admission =>
    gate.enter(
      () => log.push(`${name} admitted`),
      () => log.push(`${name} refused`),
    );
  return {
    gate,
    log,
    enter,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** On the real clock: `a` takes the only turn and keeps it; the log once `b` was refused (or after 10 s). */
async function secondOfTwo(gate: WorkGate): Promise<string[]> {
  const log: string[] = [];
  for (const name of ['a', 'b'])
    gate.enter(
      () => log.push(`${name} admitted`),
      () => log.push(`${name} refused`),
    );
  const deadline = Date.now() + 10_000;
  while (!log.includes('b refused') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  gate.close();
  return log;
}

describe('WorkGate', () => {
  it('admits up to its limit at once and the rest in arrival order as places free', () => {
    const { gate, log, enter } = gateOf(2);
    const a = enter('a');
    const b = enter('b');
    const c = enter('c');
    const d = enter('d');
    expect(log).toEqual(['a admitted', 'b admitted']);
    expect([a.state, b.state, c.state, d.state]).toEqual(['active', 'active', 'queued', 'queued']);
    expect(gate.active).toBe(2);

    gate.release(b);
    expect(log).toEqual(['a admitted', 'b admitted', 'c admitted']);
    gate.release(a);
    expect(log.at(-1)).toBe('d admitted');
    gate.release(c);
    gate.release(d);
    expect(gate.active).toBe(0);
  });

  it('hands the admission to `admitted`, which may run before `enter` returns', () => {
    const gate = new WorkGate({ limit: 1, maxWaitMs: 1000 });
    const seen: unknown[] = [];
    const first = gate.enter(
      (admission) => seen.push(admission),
      () => undefined,
    );
    expect(seen).toEqual([first]);
    const second = gate.enter(
      (admission) => seen.push(admission),
      () => undefined,
    );
    gate.release(first);
    expect(seen).toEqual([first, second]);
    gate.close();
  });

  it('skips a request whose client left while it waited, and releasing twice frees one place', () => {
    const { gate, log, enter } = gateOf(1);
    const a = enter('a');
    const b = enter('b');
    enter('c');
    gate.release(b); // b's client went away in line
    gate.release(a);
    gate.release(a);
    expect(log).toEqual(['a admitted', 'c admitted']);
    expect(gate.active).toBe(1);
  });

  it('lets a newcomer in at once when everyone still in line has left', () => {
    const { gate, log, enter } = gateOf(1);
    const a = enter('a');
    const b = enter('b');
    gate.release(b);
    gate.release(a);
    enter('c');
    expect(log).toEqual(['a admitted', 'c admitted']);
    expect(gate.active).toBe(1);
  });

  it('gives a parked request’s turn to the next in line, and takes one back at once when a person decided (urgent)', async () => {
    const { gate, log, enter } = gateOf(1);
    const poll = enter('poll');
    const request = {};
    gate.bind(request, poll);
    let wake: (value: string) => void = () => undefined;
    const parked = gate.parked(request, () => new Promise<string>((resolve) => (wake = resolve)), {
      urgent: true,
    });
    expect(poll.state).toBe('parked');
    expect(gate.active).toBe(0);

    const call = enter('call'); // the poll's place
    enter('later'); // waits
    expect(log).toEqual(['poll admitted', 'call admitted']);

    wake('approved');
    await expect(parked).resolves.toBe('approved');
    // Back to work at once, beyond the limit: the decision does not wait behind 'later'.
    expect(poll.state).toBe('active');
    expect(gate.active).toBe(2);
    expect(log).not.toContain('later admitted');

    gate.release(call);
    expect(log).not.toContain('later admitted'); // still 1 active (the poll): at the limit
    gate.release(poll);
    expect(log.at(-1)).toBe('later admitted');
  });

  it('brings a request back from a provider in the next free turn, ahead of every new request', async () => {
    const { gate, log, enter } = gateOf(1);
    const call = enter('call');
    const request = {};
    gate.bind(request, call);
    let answer: (value: string) => void = () => undefined;
    const upstream = gate.parked(request, () => new Promise<string>((resolve) => (answer = resolve)));
    const other = enter('other'); // takes the free turn while the provider works
    enter('newcomer'); // waits
    let back = false;
    void upstream.then(() => {
      back = true;
    });
    answer('200 OK');
    await new Promise((resolve) => setImmediate(resolve));
    expect(back).toBe(false); // 'other' holds the only turn
    expect(call.state).toBe('returning');

    gate.release(other);
    await expect(upstream).resolves.toBe('200 OK');
    expect(call.state).toBe('active');
    expect(log).toEqual(['call admitted', 'other admitted']); // the newcomer still waits
    gate.release(call);
    expect(log.at(-1)).toBe('newcomer admitted');
  });

  it('lets a request whose client left finish without a turn, when it was waiting to come back', async () => {
    const { gate, enter } = gateOf(1);
    const call = enter('call');
    const request = {};
    gate.bind(request, call);
    const upstream = gate.parked(request, async () => 'late answer');
    const other = enter('other');
    await new Promise((resolve) => setImmediate(resolve));
    expect(call.state).toBe('returning');
    gate.release(call); // the client went away
    await expect(upstream).resolves.toBe('late answer');
    expect(gate.active).toBe(1); // only 'other'
    gate.release(other);
    expect(gate.active).toBe(0);
  });

  it('takes the place back when the wait fails, and a parked request released meanwhile stays released', async () => {
    const { gate, enter } = gateOf(1);
    const failing = enter('failing');
    const request = {};
    gate.bind(request, failing);
    await expect(gate.parked(request, () => Promise.reject(new Error('Redis down')))).rejects.toThrow(
      'Redis down',
    );
    expect(failing.state).toBe('active');
    expect(gate.active).toBe(1);
    gate.release(failing);

    const left = enter('left');
    const other = {};
    gate.bind(other, left);
    let wake: () => void = () => undefined;
    const parked = gate.parked(other, () => new Promise<void>((resolve) => (wake = resolve)));
    gate.release(left); // its client went away while it waited
    wake();
    await parked;
    expect(left.state).toBe('done');
    expect(gate.active).toBe(0);
  });

  it('just waits for a request it never saw', async () => {
    const { gate, enter } = gateOf(1);
    enter('a');
    await expect(gate.parked({}, async () => 'x')).resolves.toBe('x');
    await expect(gate.parked(undefined, async () => 'y')).resolves.toBe('y');
    expect(gate.active).toBe(1);
  });

  it('refuses a request that waited longer than maxWait when its turn comes, and admits the next', () => {
    const { gate, log, enter, advance } = gateOf(1, 1000);
    const a = enter('a');
    enter('b');
    advance(400);
    enter('c');
    advance(700); // b has waited 1,100 ms, c 700 ms
    gate.release(a);
    expect(log).toEqual(['a admitted', 'b refused', 'c admitted']);
    gate.close();
  });

  it('refuses, on its timer, whoever waited too long while nothing moved (a stalled instance sheds load)', async () => {
    expect(await secondOfTwo(new WorkGate({ limit: 1, maxWaitMs: 50 }))).toEqual(['a admitted', 'b refused']);
  });

  it('refuses, without waiting out maxWait, whoever waited stallMs while no turn was freed (Redis paused)', async () => {
    const started = Date.now();
    const gate = new WorkGate({ limit: 1, maxWaitMs: 60_000, stallMs: 50 });
    expect(await secondOfTwo(gate)).toEqual(['a admitted', 'b refused']);
    // Far sooner than maxWait (60 s): a generous bound, only to tell the two rules apart.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('does not take a blocked event loop for a stall: the turns freed by what arrived meanwhile count first', async () => {
    const gate = new WorkGate({ limit: 1, maxWaitMs: 60_000, stallMs: 50 });
    const log: string[] = [];
    const a = gate.enter(
      () => log.push('a admitted'),
      () => log.push('a refused'),
    );
    gate.enter(
      () => log.push('b admitted'),
      () => log.push('b refused'),
    );
    // The loop is blocked past b's stall limit; a's work was done meanwhile, its end waiting to be read (an
    // immediate stands for the I/O callback: both run after the timers that came due during the block).
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const until = performance.now() + 300;
        while (performance.now() < until) {
          // blocked
        }
        setImmediate(() => gate.release(a));
        resolve();
      }, 5),
    );
    const deadline = Date.now() + 10_000;
    while (log.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    gate.close();
    expect(log).toEqual(['a admitted', 'b admitted']);
  });

  it('keeps a line waiting beyond stallMs while turns are being freed', () => {
    const { gate, log, enter, advance } = gateOf(1, 5000, 1000);
    const a = enter('a');
    const b = enter('b');
    enter('c');
    advance(900);
    gate.release(a);
    advance(900); // c has waited 1,800 ms, but a turn was freed 900 ms ago
    gate.release(b);
    expect(log).toEqual(['a admitted', 'b admitted', 'c admitted']);
    gate.close();
  });
});
