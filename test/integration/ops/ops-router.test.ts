// The ops endpoints on a real socket: who may read /metrics, which Host and Origin headers are served, and
// what /readyz says about Redis (answers, fails, hangs) and Slack (last call reached it or not).
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackCheck } from '../../../src/ops/ready-checks.js';
import { createOpsRouter, isLoopbackAddress } from '../../../src/ops/router.js';
import { observeSlackCall, resetSlackReachability } from '../../../src/ops/slack-health.js';
import { parsePrometheusText } from './prometheus-text.js';

type Ping = () => Promise<unknown>;
let ping: Ping = async () => 'PONG';
let slackConfigured = false;
let server: Server;
let port: number;

beforeAll(async () => {
  const app = express();
  // Built per request so each test can choose Redis's and Slack's behaviour.
  app.use((req, res, next) =>
    createOpsRouter({
      allowedHosts: ['countersign.example.test'],
      publicUrl: 'https://countersign.example.test',
      checks: [
        {
          name: 'redis',
          run: async () => {
            await ping();
            return { state: 'up', ok: true };
          },
        },
        slackCheck(slackConfigured),
      ],
      checkTimeoutMs: 300,
    })(req, res, next),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '0.0.0.0', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  ping = async () => 'PONG';
  slackConfigured = false;
  resetSlackReachability();
});

/** A GET with exactly these headers (fetch would not let us set Host). */
function get(
  path: string,
  headers: Record<string, string> = {},
  address = '127.0.0.1',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address, port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const nonLoopback = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('/metrics', () => {
  it('serves Prometheus text to loopback clients, by IP even when that is not an allowed host', async () => {
    const res = await get('/metrics', { Host: `127.0.0.1:${port}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const families = parsePrometheusText(res.body);
    expect(families.get('countersign_mcp_tool_calls_total')?.type).toBe('counter');
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
  });

  it('refuses a request a proxy forwarded, though it arrives from loopback', async () => {
    for (const header of [
      'X-Forwarded-For',
      'Forwarded',
      'X-Real-IP',
      'CF-Connecting-IP',
      'True-Client-IP',
      'X-Forwarded-Host',
      'X-Client-IP',
      'Fastly-Client-IP',
      'X-Cluster-Client-IP',
      'Via',
    ]) {
      const res = await get('/metrics', { [header]: '203.0.113.9' });
      expect(res.status, header).toBe(403);
      expect(res.body).not.toContain('countersign_');
    }
  });

  it.skipIf(!nonLoopback)('refuses a client on the network', async () => {
    const res = await get('/metrics', {}, nonLoopback);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toBe('forbidden');
    // The same address is served the health check: only the loopback rule refused it.
    expect((await get('/healthz', {}, nonLoopback)).status).toBe(200);
  });

  it('tells loopback addresses apart', () => {
    for (const a of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '192.0.2.2', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '', undefined])
      expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});

describe('host and origin checks', () => {
  it('serves allowed names, localhost and IP literals; refuses other names (DNS rebinding)', async () => {
    for (const host of ['countersign.example.test', 'localhost:1', '10.1.2.3:5711', '[::1]:5711'])
      expect((await get('/healthz', { Host: host })).status, host).toBe(200);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await get(path, { Host: 'rebind.attacker.example' });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.body).error).toBe('forbidden_host');
    }
  });

  it('refuses a cross-site browser request', async () => {
    const res = await get('/metrics', { Origin: 'https://attacker.example' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toBe('forbidden_origin');
    expect((await get('/metrics', { Origin: 'https://countersign.example.test' })).status).toBe(200);
    // Our name on another port is another origin.
    expect((await get('/metrics', { Origin: 'https://countersign.example.test:8443' })).status).toBe(403);
  });
});

describe('/healthz and /readyz', () => {
  it('healthz answers without asking Redis', async () => {
    let asked = 0;
    ping = async () => {
      asked++;
      throw new Error('down');
    };
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect(asked).toBe(0);
  });

  it('readyz is 200 while Redis answers, 503 naming redis when it fails or hangs', async () => {
    const ok = await get('/readyz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({
      status: 'ok',
      checks: { redis: 'up', slack: 'not_configured' },
      down: [],
    });

    ping = async () => {
      throw new Error('Connection is closed.');
    };
    const failed = await get('/readyz');
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.body)).toMatchObject({ status: 'unavailable', down: ['redis'] });

    ping = () => new Promise(() => undefined);
    const started = Date.now();
    const hung = await get('/readyz');
    expect(hung.status).toBe(503);
    expect(JSON.parse(hung.body).checks.redis).toBe('down');
    // Ended by the 1 s ping timeout, not by the hang; 5 s still holds on a 4x slower machine.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('with Slack set up, readyz follows the last Slack call that reached a verdict', async () => {
    slackConfigured = true;
    const body = async () => {
      const res = await get('/readyz');
      return { status: res.status, json: JSON.parse(res.body) };
    };
    expect((await body()).json.checks.slack).toBe('unknown');
    expect((await body()).status).toBe(200);

    observeSlackCall('chat.postMessage', 'request_error');
    const down = await body();
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ checks: { redis: 'up', slack: 'down' }, down: ['slack'] });

    // Deferred calls (our own 429 window) say nothing about Slack; a 429 from Slack means it answered.
    observeSlackCall('chat.update', 'deferred');
    expect((await body()).status).toBe(503);
    observeSlackCall('chat.update', 'rate_limited');
    const up = await body();
    expect(up.status).toBe(200);
    expect(up.json.checks.slack).toBe('up');
  });
});
