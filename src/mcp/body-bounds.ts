// The tools' edge check on a caller's JSON body, before anything walks it recursively.
import { describeJsonBoundsProblem, jsonBoundsProblem } from '../lib/json-bounds.js';
import { ToolError } from './tool-kit.js';

/** Throws a clear `invalid_input` for a body nested too deep or too large to walk safely. */
export function checkBodyBounds(body: unknown): void {
  if (body === undefined) return;
  const problem = jsonBoundsProblem(body);
  if (problem) throw new ToolError('invalid_input', describeJsonBoundsProblem(problem));
}
