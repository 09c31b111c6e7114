// Graceful HTTP shutdown: idle keep-alive connections are closed at once, a busy one as soon as its request is
// answered, so the server closes when the work is done; the deadline only cuts what is still running.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { drain, until } from '../../../src/http/drain.js';

let server: Server;
let agent: Agent;
afterEach(async () => {
  server?.closeAllConnections();
  await agent?.close().catch(() => undefined);
});

async function start(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  agent = new Agent({ keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('drain', () => {
  it('closes idle keep-alive connections and a busy one once its answer is out, long before the deadline', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const url = await start((req, res) => {
      if (req.url === '/slow') void held.then(() => res.end('slow done'));
      else res.end('ok');
    });
    // Four idle keep-alive connections, then one request left running on a fifth.
    await Promise.all([1, 2, 3, 4].map(() => request(url, { dispatcher: agent }).then((r) => r.body.text())));
    const slow = request(`${url}/slow`, { dispatcher: agent }).then((r) => r.body.text());
    await new Promise((resolve) => setTimeout(resolve, 100));

    const order: string[] = [];
    const drained = drain(server, Date.now() + 60_000).then(() => order.push('drained'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual([]);
    // Still open while the request runs; closed once it is answered (the answer itself was not cut).
    release();
    await drained;
    expect(await slow).toBe('slow done');
  }, 30_000);

  it('cuts what still runs at the deadline', async () => {
    const url = await start(() => undefined);
    const stuck = request(url, { dispatcher: agent }).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await drain(server, Date.now() + 200);
    expect(await stuck).toBe('cut');
  }, 30_000);
});

describe('until', () => {
  it('gives the work until the deadline, no longer', async () => {
    expect(await until(Promise.resolve('done'), Date.now() + 1000)).toBe('done');
    expect(await until(new Promise(() => undefined), Date.now() + 50)).toBeUndefined();
  });
});
