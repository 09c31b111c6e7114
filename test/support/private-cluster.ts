// A Redis Cluster of the test's own (scripts/redis-cluster.sh on a random port range), for faults the shared
// cluster must not see: a master killed, slots taken away, a failover.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));
const run = promisify(execFile);

export interface PrivateCluster {
  /** REDIS_CLUSTER_NODES for it. */
  nodes: string;
  ports: number[];
  /** SIGKILL of the node on `port`: gone at once, as a crashed host. */
  kill(port: number): void;
  stop(): Promise<void>;
}

export async function startPrivateCluster(options: { replicas?: 0 | 1 } = {}): Promise<PrivateCluster> {
  const replicas = options.replicas ?? 0;
  const count = 3 * (replicas + 1);
  const dir = mkdtempSync(join(tmpdir(), 'cs-cluster-'));
  // Cluster bus ports are port + 10000; both stay below Linux' ephemeral range (32768+). Random, so parallel
  // test files do not collide; a range someone else holds is given up for another.
  let stdout = '';
  let first = 0;
  for (let attempt = 1; ; attempt++) {
    first = 10_000 + Math.floor(Math.random() * 1_200) * 10;
    const env = {
      ...process.env,
      REDIS_CLUSTER_PORT: String(first),
      REPLICAS: String(replicas),
      REDIS_CLUSTER_DIR: dir,
    };
    try {
      ({ stdout } = await run(SCRIPT, ['start'], { env, timeout: 60_000 }));
      break;
    } catch (error) {
      await run(SCRIPT, ['stop'], { env, timeout: 30_000 }).catch(() => undefined);
      if (attempt === 3) throw error;
    }
  }
  const env = { ...process.env, REDIS_CLUSTER_PORT: String(first), REDIS_CLUSTER_DIR: dir };
  const ports = Array.from({ length: count }, (_, i) => first + i);
  return {
    nodes: stdout.trim().split('\n').at(-1)!,
    ports,
    kill(port) {
      const pid = Number(readFileSync(join(dir, `redis-${port}.pid`), 'utf8'));
      process.kill(pid, 'SIGKILL');
    },
    async stop() {
      await run(SCRIPT, ['stop'], { env, timeout: 30_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
