// Bench "cluster": what grant events cost a Redis Cluster when every instance subscribes, plain PUBLISH (the cluster
// bus copies each message to every node) against SPUBLISH (the message stays on its shard). Runnable alone:
// `npx tsx bench/cluster/pubsub-fanout.ts` (REDIS_CLUSTER_NODES, default the CI cluster on 127.0.0.1:7101-7103).
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { redisConfig } from '../../src/config.js';
import { masters } from '../../src/redis/connections.js';

export interface FanoutRow {
  mode: 'publish' | 'spublish';
  /** Server instances simulated: each holds one subscriber (plain: the relay's and the waiters' channel). */
  instances: number;
  events: number;
  eventsPerSecond: number;
  /** Redis CPU (user + sys, all masters) per published event, in microseconds. */
  redisCpuUsPerEvent: number;
  /** Messages delivered to subscribers (events × instances when nothing is lost). */
  delivered: number;
}

export interface FanoutSettings {
  instances: number[];
  events: number;
  /** Distinct session channels for SPUBLISH (grants spread over slots as session hashes do). */
  sessions: number;
}

const DEFAULTS: FanoutSettings = { instances: [2, 10], events: 20_000, sessions: 256 };

export async function runPubsubFanout(
  seeds: Array<{ host: string; port: number }>,
  settings: FanoutSettings = DEFAULTS,
): Promise<FanoutRow[]> {
  const rows: FanoutRow[] = [];
  const publisher = new Cluster(seeds, { enableAutoPipelining: true });
  await new Promise((resolve) => publisher.once('ready', resolve));
  try {
    for (const instances of settings.instances) {
      rows.push(await measure(publisher, seeds, 'publish', instances, settings));
      rows.push(await measure(publisher, seeds, 'spublish', instances, settings));
    }
  } finally {
    publisher.disconnect();
  }
  return rows;
}

async function measure(
  publisher: Cluster,
  seeds: Array<{ host: string; port: number }>,
  mode: 'publish' | 'spublish',
  instances: number,
  settings: FanoutSettings,
): Promise<FanoutRow> {
  const run = `bench-fanout-${process.pid}-${Date.now()}`;
  const channels =
    mode === 'publish'
      ? [`${run}:grant-events`]
      : Array.from({ length: settings.sessions }, (_, i) => `${run}:{s:${i}}:decisions`);
  let delivered = 0;
  const subscribers = await Promise.all(
    Array.from({ length: instances }, async () => {
      const sub = new Cluster(seeds, { shardedSubscribers: mode === 'spublish' });
      sub.on(mode === 'publish' ? 'message' : 'smessage', () => {
        delivered += 1;
      });
      if (mode === 'publish') await sub.subscribe(channels[0]!);
      // Every instance waits on every session here: the worst case for SPUBLISH (all long polls everywhere).
      else for (const channel of channels) await sub.ssubscribe(channel);
      return sub;
    }),
  );
  const cpuBefore = await redisCpu(publisher);
  const started = performance.now();
  const batch = 500;
  for (let sent = 0; sent < settings.events; sent += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, settings.events - sent) }, (_, i) => {
        const channel = channels[(sent + i) % channels.length]!;
        const message = `g_${sent + i} approved`;
        return mode === 'publish'
          ? publisher.publish(channel, message)
          : publisher.spublish(channel, message);
      }),
    );
  }
  const expected = settings.events * instances;
  const deadline = Date.now() + 30_000;
  while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await redisCpu(publisher);
  for (const sub of subscribers) sub.disconnect();
  return {
    mode,
    instances,
    events: settings.events,
    eventsPerSecond: Math.round(settings.events / seconds),
    redisCpuUsPerEvent: Math.round(((cpuAfter - cpuBefore) * 1e6) / settings.events),
    delivered,
  };
}

/** Seconds of CPU (user + sys) the masters have used so far. */
async function redisCpu(cluster: Cluster): Promise<number> {
  let total = 0;
  for (const node of masters(cluster)) {
    const info = await node.info('cpu');
    for (const name of ['used_cpu_user', 'used_cpu_sys']) {
      total += Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    }
  }
  return total;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const settings = redisConfig({
    REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103',
  });
  const rows = await runPubsubFanout(settings.cluster!.nodes);
  console.table(rows);
}
