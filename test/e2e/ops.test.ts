// Operations end to end on the real server process: /metrics is valid Prometheus text whose counters move
// with a request → Slack approval → call flow and is refused to the network; /readyz follows Redis (hung,
// back, killed, back) while /healthz stays up, and names what the fleet lacks (a worker, the schedulers).
import { type ChildProcess, spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis/connections.js';
import { ALICE } from '../../src/sandbox/people.js';
import { redisAnswers } from '../../src/sandbox/redis.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import {
  type Family,
  hasSample,
  parsePrometheusText,
  sampleValue,
} from '../integration/ops/prometheus-text.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { testRedis } from '../support/redis.js';
import { type Environment, freePort, startEnvironment } from '../support/server-process.js';

const BOB_ID = 'U0BOB';
const nonLoopback = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

async function scrape(base: string): Promise<Map<string, Family>> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('/metrics over a request, a Slack approval and a call', () => {
  let env: Environment;
  let base: string;
  let port: string;
  let assistant: Client;

  beforeAll(async () => {
    // Listening on every interface, so a request from the machine's own network address is not loopback.
    env = await startEnvironment({ SELF_APPROVE: 'read', HOST: '0.0.0.0' }, { slack: 'http' });
    port = new URL(env.server.url).port;
    base = `http://127.0.0.1:${port}`;
    assistant = await connectClient(
      base,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_ops' }),
      'claude-code',
    );
  }, 120_000);
  afterAll(async () => {
    await assistant?.close();
    await env?.stop();
  });

  it('serves valid Prometheus text whose counters follow the flow', async () => {
    const before = await scrape(base);
    const requested = await callTool(assistant, 'request_elevated_access', {
      kind: 'session',
      level: 'write',
      providers: ['linear'],
      reason: 'ops metrics e2e',
    });
    expect(requested.isError, textOf(requested)).toBeFalsy();
    const { requestId } = requested.structuredContent!;
    // The request message with its buttons: the audit channel's line names the request too.
    const message = await env.slack!.waitForMessage(
      (m: SlackMessage) =>
        m.channel === 'C0APPROVALS' &&
        JSON.stringify(m.blocks).includes(requestId) &&
        JSON.stringify(m.blocks).includes('"cs_approve"'),
      30_000,
      { includeExisting: true },
    );
    const click = await env.slack!.click({
      as: BOB_ID,
      channel: message.channel,
      ts: message.ts,
      actionId: 'cs_approve',
      state: { cs_providers: ['linear'] },
    });
    expect(click.status).toBe(200);
    const decided = await callTool(assistant, 'check_access_request', { requestId, waitSeconds: 25 });
    expect(decided.structuredContent!.status, env.server.output()).toBe('approved');
    const call = await callTool(assistant, 'call_integration_api', {
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: '{ viewer { id } }' },
    });
    expect(call.isError, textOf(call)).toBeFalsy();

    const grew = (after: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // The decision time is read back from the grant after the audit event: wait for it.
    let after = await scrape(base);
    await expect
      .poll(async () => {
        after = await scrape(base);
        return grew(after, 'countersign_decision_seconds_count', { outcome: 'approved' });
      })
      .toBe(1);
    expect(grew(after, 'countersign_access_requests_total', { kind: 'session' })).toBe(1);
    expect(grew(after, 'countersign_decisions_total', { outcome: 'approved', via: 'slack' })).toBe(1);
    expect(grew(after, 'countersign_decisions_total', { outcome: 'denied' })).toBe(0);
    for (const tool of ['request_elevated_access', 'check_access_request', 'call_integration_api']) {
      expect(grew(after, 'countersign_mcp_tool_calls_total', { tool, outcome: 'ok' }), tool).toBe(1);
    }
    expect(
      grew(after, 'countersign_upstream_request_seconds_count', { provider: 'linear', status: '200' }),
    ).toBe(1);
    expect(grew(after, 'countersign_slack_ack_seconds_count', { type: 'block_actions' })).toBe(1);
    // The ack came well inside Slack's 3 s: the 3 s bucket holds it.
    expect(grew(after, 'countersign_slack_ack_seconds_bucket', { type: 'block_actions', le: '3' })).toBe(1);
    // The request message, then the outcome DM and the audit channel line (those may still be on their way).
    expect(
      grew(after, 'countersign_slack_api_calls_total', { method: 'chat.postMessage', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(hasSample(after, 'countersign_queue_jobs', { state }), state).toBe(true);
    // The approved grant's end is scheduled: at least that job is delayed.
    expect(sampleValue(after, 'countersign_queue_jobs', { state: 'delayed' })).toBeGreaterThanOrEqual(1);
    expect(after.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(after.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: 'up', slack: 'up' } });
  }, 120_000);

  it('refuses /metrics to a proxied request', async () => {
    const proxied = await fetch(`${base}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
    expect(proxied.status).toBe(403);
  });

  it.skipIf(!nonLoopback)('refuses /metrics to a client on the network, and serves it /healthz', async () => {
    const remote = `http://${nonLoopback}:${port}`;
    const metrics = await fetch(`${remote}/metrics`);
    expect(metrics.status).toBe(403);
    expect(await metrics.text()).not.toContain('countersign_');
    expect((await fetch(`${remote}/healthz`)).status).toBe(200);
  });
});

describe('/readyz follows Redis', () => {
  let env: Environment;
  let redisPort: number;
  let redis: ChildProcess;
  let base: string;

  async function startRedis(): Promise<ChildProcess> {
    const child = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 300; attempt++) {
      if (await redisAnswers(`redis://127.0.0.1:${redisPort}`)) return child;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error('redis-server did not start');
  }
  const ready = async () => {
    const res = await fetch(`${base}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as { checks: Record<string, string>; down: string[] },
    };
  };

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis();
    // Only a public name is allowed: the ops endpoints must still answer on 127.0.0.1.
    env = await startEnvironment({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      ALLOWED_HOSTS: 'countersign.example.test',
    });
    base = `http://127.0.0.1:${new URL(env.server.url).port}`;
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    redis?.kill('SIGKILL');
  });

  it('is 200 with Redis up, and the ops endpoints answer on 127.0.0.1 though the app does not', async () => {
    const ok = await ready();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      status: 'ok',
      checks: { redis: 'up', schedulers: 'present', workers: 'up', epoch: 'ok', slack: 'not_configured' },
      down: [],
    });
    expect(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()).size).toBeGreaterThan(10);
    expect((await fetch(`${base}/.well-known/oauth-protected-resource`)).status).toBe(403);
  });

  it('is 503 within seconds (not hung) while Redis hangs, and 200 again when it answers', async () => {
    redis.kill('SIGSTOP');
    try {
      const started = Date.now();
      const hung = await ready();
      expect(hung.status).toBe(503);
      // What lives in Redis (schedulers, worker heartbeats) cannot be confirmed either.
      expect(hung.body.down).toContain('redis');
      expect(hung.body.checks.redis).toBe('down');
      // Bounded by the checks' 1 s timeout, not by the hang; 5 s still holds on a 4x slower machine.
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      redis.kill('SIGCONT');
    }
    await expect.poll(async () => (await ready()).status, { timeout: 30_000 }).toBe(200);
  }, 120_000);

  it('is 503 naming redis when Redis stops, /healthz stays 200, and recovers when Redis is back', async () => {
    redis.kill('SIGKILL');
    await expect.poll(async () => (await ready()).status, { timeout: 30_000 }).toBe(503);
    const gone = (await ready()).body;
    expect(gone.checks.redis).toBe('down');
    expect(gone.down).toContain('redis');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // Scrapes keep working without Redis; the queue depth is simply left out.
    const families = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
    expect(hasSample(families, 'countersign_queue_jobs')).toBe(false);
    expect(families.has('countersign_mcp_tool_calls_total')).toBe(true);

    redis = await startRedis();
    await expect.poll(async () => (await ready()).status, { timeout: 30_000 }).toBe(200);
    // The job connection is back too once the queue depth is reported again.
    await expect
      .poll(
        async () =>
          hasSample(
            parsePrometheusText(await (await fetch(`${base}/metrics`)).text()),
            'countersign_queue_jobs',
          ),
        {
          timeout: 30_000,
        },
      )
      .toBe(true);
    // Let BullMQ's worker finish reconnecting: closing it mid-reconnect can hang (see the report on GrantJobs.close).
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }, 120_000);
});

describe('/readyz names what the fleet lacks', () => {
  let env: Environment;
  let base: string;
  let redis: Redis;
  const ready = async () => {
    const res = await fetch(`${base}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as {
        checks: Record<string, string>;
        down: string[];
        details?: Record<string, Record<string, unknown>>;
      },
    };
  };

  beforeAll(async () => {
    // With an audit channel: its feed is the one job scheduler the fleet needs (the deadline sweep is a timer in
    // each worker, proven alive by the workers check).
    env = await startEnvironment({ ROLE: 'web' }, { slack: 'http' });
    base = env.server.url;
    redis = testRedis();
  }, 40_000);
  afterAll(async () => {
    redis?.disconnect();
    await env?.stop();
  });

  it('is 503 naming workers on a web-only instance, schedulers while none were made, 200 with a worker', async () => {
    const alone = await ready();
    expect(alone.status).toBe(503);
    expect(alone.body.down).toEqual(['schedulers', 'workers']);
    expect(alone.body.checks).toMatchObject({ redis: 'up', schedulers: 'missing', workers: 'down' });
    expect(String(alone.body.details?.workers?.note)).toMatch(/web-only/);

    // A worker's heartbeat, stamped by Redis's clock as workers do, without the worker's schedulers.
    const [seconds, micros] = await redis.time();
    await redis.zadd(
      `${env.prefix}workers`,
      Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
      'fake',
    );
    const noSchedulers = await ready();
    expect(noSchedulers.status).toBe(503);
    expect(noSchedulers.body.down).toEqual(['schedulers']);
    expect(noSchedulers.body.details?.schedulers).toEqual({ missing: ['audit-feed'] });
    await redis.zrem(`${env.prefix}workers`, 'fake');

    const worker = await env.another({}, ['--role=worker']);
    await expect.poll(async () => (await ready()).status, { timeout: 20_000 }).toBe(200);
    expect((await ready()).body).toMatchObject({
      checks: { redis: 'up', schedulers: 'present', workers: 'up', epoch: 'ok' },
      down: [],
    });

    // A worker that shuts down says goodbye: no worker is left at once, though the schedulers remain.
    await worker.stop();
    const gone = await ready();
    expect(gone.status).toBe(503);
    expect(gone.body.down).toEqual(['workers']);
  }, 60_000);
});
