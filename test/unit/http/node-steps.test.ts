// runSteps runs middleware as express does: in order, on `next`; an error passed, thrown or rejected ends in onError.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type NodeStep, runSteps } from '../../../src/http/node-steps.js';

const req = {} as IncomingMessage;
const res = {} as ServerResponse;

function harness(steps: NodeStep[]) {
  const errors: unknown[] = [];
  const serve = runSteps(steps, (error) => errors.push(error));
  return { errors, serve: () => serve(req, res) };
}

describe('runSteps', () => {
  it('runs each step when the one before calls next, and stops where one answers', () => {
    const ran: string[] = [];
    const { errors, serve } = harness([
      (_q, _s, next) => {
        ran.push('a');
        next();
      },
      () => {
        ran.push('b');
      },
      () => {
        ran.push('never');
      },
    ]);
    serve();
    expect(ran).toEqual(['a', 'b']);
    expect(errors).toEqual([]);
  });

  it('goes on after an asynchronous step calls next later', async () => {
    const ran: string[] = [];
    const { serve } = harness([
      async (_q, _s, next) => {
        await new Promise((resolve) => setImmediate(resolve));
        ran.push('a');
        next();
      },
      () => {
        ran.push('b');
      },
    ]);
    serve();
    expect(ran).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual(['a', 'b']);
  });

  it('hands an error passed to next, thrown, or rejected to onError once, and skips the rest', async () => {
    const passed = new Error('passed');
    const thrown = new Error('thrown');
    const rejected = new Error('rejected');
    for (const [step, error] of [
      [((_q, _s, next) => next(passed)) as NodeStep, passed],
      [
        (() => {
          throw thrown;
        }) as NodeStep,
        thrown,
      ],
      [(async () => Promise.reject(rejected)) as NodeStep, rejected],
    ] as const) {
      let after = false;
      const { errors, serve } = harness([
        step,
        () => {
          after = true;
        },
      ]);
      serve();
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors).toEqual([error]);
      expect(after).toBe(false);
    }
  });

  it('reports a step that fails after calling next only once', async () => {
    const first = new Error('first');
    const { errors, serve } = harness([
      async (_q, _s, next) => {
        next(first);
        throw new Error('second');
      },
    ]);
    serve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([first]);
  });
});
