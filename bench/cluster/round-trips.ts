// Round trips to Redis, counted on the wire: a TCP relay in front of every master of the bench's cluster counts
// the chunks the server sends (a pipelined batch arrives as one). The server reaches the relays through the
// product's own NAT map (REDIS_CLUSTER_NAT_MAP), so it follows the slot map as usual, only one hop longer.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface RoundTripRelays {
  /** Server settings that send every connection through the relays. */
  env: Record<string, string>;
  /** Chunks sent to Redis so far, over every relay (≈ round trips for one sequential client). */
  writes(): number;
  close(): Promise<void>;
}

/** One relay per `host:port` master; the cluster must announce exactly these addresses. */
export async function startRoundTripRelays(
  masters: Array<{ host: string; port: number }>,
): Promise<RoundTripRelays> {
  let writes = 0;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const mapping: string[] = [];
  for (const master of masters) {
    const server = createServer((client) => {
      const upstream = connect(master.port, master.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk) => {
        writes++;
        upstream.write(chunk);
      });
      upstream.pipe(client);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('relay has no port');
    servers.push(server);
    mapping.push(`${master.host}:${master.port}=127.0.0.1:${address.port}`);
  }
  return {
    env: {
      REDIS_CLUSTER_NODES: mapping.map((pair) => pair.split('=')[1]).join(','),
      REDIS_CLUSTER_NAT_MAP: mapping.join(','),
    },
    writes: () => writes,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
