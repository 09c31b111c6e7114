// Each metric moves where it is wired: the audit wrapper, the tool wrapper, the upstream timer, the gated
// Slack client (against a fake Slack answering ok, ok:false, 429 and 500) and the queue depth read from Redis.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import webapi from '@slack/web-api';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/audit/audit-log.js';
import { createLogger } from '../../../src/lib/logger.js';
import { guarded, ToolError, textResult } from '../../../src/mcp/tool-kit.js';
import { registry, timeUpstream, watchQueueDepth } from '../../../src/ops/metrics.js';
import { type DecisionTimes, MetricsAuditSink } from '../../../src/ops/metrics-audit-sink.js';
import { slackReachability } from '../../../src/ops/slack-health.js';
import { GatedWebClient } from '../../../src/slack/gated-web-client.js';
import { SlackRetryGate } from '../../../src/slack/retry-gate.js';
import { testRedis } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';
import { hasSample, parsePrometheusText, sampleValue } from './prometheus-text.js';

const PREFIX = `cs-it-ops-${randomBytes(6).toString('hex')}:`;
const scrape = async () => parsePrometheusText(await registry.metrics());
/** How much `name{labels}` grew while `act` ran. */
async function growth(name: string, labels: Record<string, string>, act: () => Promise<unknown>) {
  const before = sampleValue(await scrape(), name, labels);
  await act();
  return sampleValue(await scrape(), name, labels) - before;
}

describe('MetricsAuditSink', () => {
  const grants = new Map<string, DecisionTimes>();
  const seen: AuditEvent[] = [];
  const sink = new MetricsAuditSink(
    { record: (event) => seen.push(event) },
    async (id) => grants.get(id) ?? null,
  );

  it('forwards every event unchanged and counts grant events', async () => {
    const events: AuditEvent[] = [
      { type: 'grant.requested', grantId: 'g1', kind: 'broad' },
      { type: 'grant.requested', grantId: 'g2', kind: 'request', upstream: { method: 'POST' } },
      { type: 'api.call', grantId: 'g1', upstream: { method: 'GET', status: 200 } },
      { type: 'grant.expired', grantId: 'g2' },
    ];
    const before = await scrape();
    for (const event of events) sink.record(event);
    const after = await scrape();
    expect(seen).toEqual(events);
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('countersign_access_requests_total', { kind: 'session' })).toBe(1);
    expect(delta('countersign_access_requests_total', { kind: 'call' })).toBe(1);
    expect(delta('countersign_grant_events_total', { event: 'requested' })).toBe(2);
    expect(delta('countersign_grant_events_total', { event: 'expired' })).toBe(1);
    expect(delta('countersign_decisions_total', { outcome: 'expired', via: 'clock' })).toBe(1);
    expect(hasSample(after, 'countersign_grant_events_total', { event: 'call' })).toBe(false);
  });

  it('counts approvals and denials by channel and times them from the request', async () => {
    grants.set('g3', { createdAt: 1_000, approvedAt: 46_000, endedAt: null });
    grants.set('g4', { createdAt: 1_000, approvedAt: null, endedAt: 3_000 });
    const before = await scrape();
    sink.record({ type: 'grant.approved', grantId: 'g3', actor: { type: 'user', id: 'U1', via: 'slack' } });
    sink.record({ type: 'grant.denied', grantId: 'g4', actor: { type: 'user', id: 'u', via: 'web' } });
    await expect
      .poll(async () => sampleValue(await scrape(), 'countersign_decision_seconds_count'))
      .toBe(sampleValue(before, 'countersign_decision_seconds_count') + 2);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('countersign_decisions_total', { outcome: 'approved', via: 'slack' })).toBe(1);
    expect(delta('countersign_decisions_total', { outcome: 'denied', via: 'web' })).toBe(1);
    expect(delta('countersign_decision_seconds_sum', { outcome: 'approved' })).toBeCloseTo(45);
    expect(delta('countersign_decision_seconds_sum', { outcome: 'denied' })).toBeCloseTo(2);
    // 45 s lands in the 60 s bucket, not the 30 s one.
    expect(delta('countersign_decision_seconds_bucket', { outcome: 'approved', le: '30' })).toBe(0);
    expect(delta('countersign_decision_seconds_bucket', { outcome: 'approved', le: '60' })).toBe(1);
  });

  it('a failing lookup never throws at the writer', async () => {
    const failing = new MetricsAuditSink({ record: () => undefined }, () =>
      Promise.reject(new Error('down')),
    );
    expect(() => failing.record({ type: 'grant.approved', grantId: 'gx' })).not.toThrow();
  });
});

describe('tool calls and upstream latency', () => {
  const logger = createLogger('silent');

  it('counts each tool call by outcome', async () => {
    const ok = guarded({ logger }, 't_ok', async () => textResult('fine', {}));
    const coded = guarded({ logger }, 't_coded', async () => {
      throw new ToolError('no_access', 'nope');
    });
    const broken = guarded({ logger }, 't_broken', async () => {
      throw new Error('boom');
    });
    expect(await growth('countersign_mcp_tool_calls_total', { tool: 't_ok', outcome: 'ok' }, ok)).toBe(1);
    expect(
      await growth('countersign_mcp_tool_calls_total', { tool: 't_coded', outcome: 'error' }, coded),
    ).toBe(1);
    expect(
      await growth(
        'countersign_mcp_tool_calls_total',
        { tool: 't_broken', outcome: 'internal_error' },
        broken,
      ),
    ).toBe(1);
    expect(await growth('countersign_mcp_tool_duration_seconds_count', { tool: 't_ok' }, ok)).toBe(1);
  });

  it('labels upstream calls by status, or by the error code when nothing answered', async () => {
    const answered = () => timeUpstream('linear', async () => ({ status: 404 }));
    expect(
      await growth(
        'countersign_upstream_request_seconds_count',
        { provider: 'linear', status: '404' },
        answered,
      ),
    ).toBe(1);
    const timedOut = () =>
      timeUpstream('notion', () =>
        Promise.reject(Object.assign(new Error('slow'), { code: 'timeout' })),
      ).catch((e: Error) => e);
    expect(
      await growth(
        'countersign_upstream_request_seconds_count',
        { provider: 'notion', status: 'timeout' },
        timedOut,
      ),
    ).toBe(1);
  });
});

describe('GatedWebClient', () => {
  let fakeSlack: Server;
  let answer: { status: number; body: object; headers?: Record<string, string> };
  const redis = testRedis();
  let client: GatedWebClient;

  beforeAll(async () => {
    fakeSlack = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => fakeSlack.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fakeSlack.address() as AddressInfo).port}/api/`;
    const gate = new SlackRetryGate(redis, `${PREFIX}slack:retry-until`);
    client = new GatedWebClient('xoxb-test', { slackApiUrl: url, logLevel: webapi.LogLevel.ERROR }, gate);
  });
  afterAll(async () => {
    await new Promise((resolve) => fakeSlack.close(resolve));
    await deleteKeys([`${PREFIX}*`]);
    await redis.quit();
  });

  const call = () => client.chat.postMessage({ channel: 'C1', text: 'hi' }).catch(() => undefined);
  const calls = (outcome: string) => ({ method: 'chat.postMessage', outcome });

  it('counts calls by method and outcome and tracks whether Slack answered', async () => {
    answer = { status: 500, body: { ok: false } };
    expect(await growth('countersign_slack_api_calls_total', calls('http_error'), call)).toBe(1);
    expect(slackReachability().state).toBe('down');

    answer = { status: 200, body: { ok: false, error: 'channel_not_found' } };
    expect(await growth('countersign_slack_api_calls_total', calls('platform_error'), call)).toBe(1);
    expect(slackReachability().state).toBe('up');

    answer = { status: 200, body: { ok: true, channel: 'C1', ts: '1.2' } };
    expect(await growth('countersign_slack_api_calls_total', calls('ok'), call)).toBe(1);

    answer = { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } };
    expect(await growth('countersign_slack_api_calls_total', calls('rate_limited'), call)).toBe(1);
    // The window is open now: the next call does not go out, and is counted as deferred.
    expect(await growth('countersign_slack_api_calls_total', calls('deferred'), call)).toBe(1);
    expect(slackReachability().state).toBe('up');
  });
});

describe('queue depth', () => {
  const connection = testRedis({ maxRetriesPerRequest: null });
  const queue = new Queue('grants', { connection, prefix: `{${PREFIX.replace(/[:{}]/g, '')}-jobs}` });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });

  it('is read from Redis at scrape time, and left out while the connection is down', async () => {
    let connected = true;
    const unwatch = watchQueueDepth(queue, () => connected);
    await queue.add('expire', { grantId: 'g' }, { delay: 60_000 });
    await queue.add('refresh', { grantId: 'g' });
    await queue.add('refresh', { grantId: 'h' });
    let families = await scrape();
    expect(sampleValue(families, 'countersign_queue_jobs', { state: 'delayed' })).toBe(1);
    expect(sampleValue(families, 'countersign_queue_jobs', { state: 'waiting' })).toBe(2);
    expect(hasSample(families, 'countersign_queue_jobs', { state: 'failed' })).toBe(true);

    connected = false;
    families = await scrape();
    expect(hasSample(families, 'countersign_queue_jobs', { state: 'waiting' })).toBe(false);
    connected = true;
    unwatch();
    expect(hasSample(await scrape(), 'countersign_queue_jobs', { state: 'waiting' })).toBe(false);
  });
});
