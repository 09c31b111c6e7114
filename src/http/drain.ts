// Graceful HTTP shutdown that ends as soon as the work is done: idle keep-alive connections are closed at once,
// a busy one as soon as its last request is answered, and whatever is left is cut when the grace period ends.
import type { Server } from 'node:http';

/** How often connections that have just become idle are looked for while draining. */
const SWEEP_EVERY_MS = 50;

/**
 * Stops accepting connections and resolves once every connection has closed, or at `deadline` (epoch ms), when
 * the remaining ones are cut. Node's `server.close()` closes idle connections only once: a keep-alive connection
 * whose request finishes later would hold the server open until the client or keepAliveTimeout ends it.
 */
export function drain(server: Server, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_EVERY_MS);
    const cut = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Waits for `work`, but not past `deadline` (epoch ms): shutdown steps share one grace period. */
export async function until<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
