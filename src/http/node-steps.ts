// Middleware run on Node's own request and response, for the one route hot enough to skip express.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Express-style middleware typed on Node's objects, so express can mount the same functions elsewhere. */
export type NodeStep<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => unknown;

export type StepErrorHandler<Req extends IncomingMessage> = (
  error: unknown,
  req: Req,
  res: ServerResponse,
) => void;

/**
 * Runs `steps` in order as express would (a step goes on by calling `next`; `next(error)` or a rejected promise
 * ends in `onError`), without express's per-request work: no router walk, and no prototype swap of `req` and
 * `res` (which makes every later property read on them slower). Measured at 32 clients, that work was about 30%
 * of an MCP call's server CPU.
 */
export function runSteps<Req extends IncomingMessage>(
  steps: NodeStep<Req>[],
  onError: StepErrorHandler<Req>,
): (req: Req, res: ServerResponse) => void {
  return (req, res) => {
    let index = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      onError(error, req, res);
    };
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        fail(error);
        return;
      }
      const step = steps[index++];
      if (!step) return;
      try {
        const result = step(req, res, next);
        if (result instanceof Promise) result.catch(fail);
      } catch (thrown) {
        fail(thrown);
      }
    };
    next();
  };
}
