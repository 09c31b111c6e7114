// Waiting for the next stored change without polling: resolves on the first emitted event a matcher accepts.
import type { EventEmitter } from 'node:events';

export function waitForEvent<T>(
  events: EventEmitter,
  name: string,
  timeoutMs: number,
  match: (...args: unknown[]) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      let hit: T | undefined;
      try {
        hit = match(...args);
      } catch {
        // A predicate that throws on an unrelated message simply does not match it.
      }
      if (hit === undefined) return;
      clearTimeout(timer);
      events.off(name, listener);
      resolve(hit);
    };
    const timer = setTimeout(() => {
      events.off(name, listener);
      reject(new Error(`no matching ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    events.on(name, listener);
  });
}
