// /readyz's cluster check against a real cluster of the test's own: ok when healthy, down with a reason when a
// slot is not served or a master dies.
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterHealth } from '../../../src/ops/cluster-health.js';
import { type PrivateCluster, startPrivateCluster } from '../../support/private-cluster.js';

let cluster: PrivateCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startPrivateCluster();
  client = new Cluster(
    cluster.nodes.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
  );
  await new Promise((resolve) => client.once('ready', resolve));
}, 90_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

describe('clusterHealth', () => {
  it('is ok on a healthy cluster', async () => {
    expect(await clusterHealth(client, 2000)).toEqual({ state: 'ok' });
  });

  it('is down while a slot is not served, and ok again once it is', async () => {
    const node = new Redis(cluster.ports[0]!, '127.0.0.1');
    try {
      await node.cluster('DELSLOTS', 0);
      await expect
        .poll(async () => clusterHealth(client, 2000), { timeout: 20_000 })
        .toMatchObject({ state: 'down', reason: expect.stringMatching(/cluster_state:fail|slots served/) });
      await node.cluster('ADDSLOTS', 0);
      await expect
        .poll(async () => clusterHealth(client, 2000), { timeout: 20_000 })
        .toEqual({ state: 'ok' });
    } finally {
      node.disconnect();
    }
  });

  it('is down, naming the problem, when a master without a replica dies', async () => {
    cluster.kill(cluster.ports[2]!);
    await expect
      .poll(async () => clusterHealth(client, 1000), { timeout: 30_000 })
      .toMatchObject({
        state: 'down',
        reason: expect.stringMatching(/cluster_state:fail|does not answer|took over|closed/i),
      });
  });
});
