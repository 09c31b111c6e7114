// URL-mode consent end to end with the SDK v2 client: the consent link as input_required (2026-07-28) or -32042
// (2025-11-25), the approval in Slack, the retry served by another instance; denial, expiry, forgeries.
import type { Client, ElicitRequestURLParams } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { roundRobin } from '../support/balancer.js';
import { callTool, connectClient, type Revision, textOf } from '../support/mcp-client.js';
import { REDIS_URL } from '../support/redis.js';
import { type Environment, type ServerProcess, startEnvironment } from '../support/server-process.js';

let env: Environment;
let second: ServerProcess;
/** An instance whose requests expire undecided after 3 s. */
let hasty: ServerProcess;
let redis: Redis;
let store: RedisGrantStore;
const BOB_SLACK = 'U0BOB';
const BOB = { type: 'user' as const, id: 'user_bob', email: 'bob@sandbox.test', via: 'web' as const };
const SESSION_READ = { kind: 'session', level: 'read', providers: ['linear'], durationMinutes: 10 };
const LINEAR_QUERY = { query: '{ viewer { id name } }' };

beforeAll(async () => {
  env = await startEnvironment({ SELF_APPROVE: 'read' }, { slack: 'http' });
  second = await env.another();
  hasty = await env.another({ DECISION_WINDOW: '3s' });
  redis = new Redis(REDIS_URL);
  store = new RedisGrantStore(redis, {
    prefix: env.prefix,
    decisionWindowMs: 300_000,
    maxAccessMs: 3_600_000,
    retentionMs: 86_400_000,
    sessionTtlMs: 86_400_000,
  });
}, 180_000);
afterAll(async () => {
  await store?.close();
  redis?.disconnect();
  await env?.stop();
});

const origins = () => [env.server.url, second.url];
const hasButtons = (m: SlackMessage) => JSON.stringify(m.blocks).includes('"cs_approve"');

/** The request's Slack message, found by the grant id on its Approve button. */
function messageOf(grantId: string): Promise<SlackMessage> {
  return env.slack!.waitForMessage(
    (m) => hasButtons(m) && JSON.stringify(m.blocks).includes(grantId),
    30_000,
    {
      includeExisting: true,
    },
  );
}

async function approveInSlack(grantId: string): Promise<void> {
  const message = await messageOf(grantId);
  await env.slack!.click({ as: BOB_SLACK, channel: message.channel, ts: message.ts, actionId: 'cs_approve' });
  await expect.poll(async () => (await store.get(grantId))?.status, { timeout: 30_000 }).toBe('approved');
}

/** The grant a 2026-07-28 input_required names (its input request key), from the replies the client saw. */
function elicitedGrant(a: { balancer: ReturnType<typeof roundRobin> }): string {
  const keys = a.balancer.served.flatMap((s) => Object.keys(s.reply?.result?.inputRequests ?? {}));
  const key = keys.at(-1);
  if (!key) throw new Error('no input_required seen yet');
  return key.replace(/^consent-/, '');
}

interface Assistant {
  client: Client;
  elicited: ElicitRequestURLParams[];
  balancer: ReturnType<typeof roundRobin>;
}

/** A client that declares URL elicitation; `onElicit` plays the person (who acts before the client retries). */
async function assistant(
  revision: Revision,
  sid: string,
  options: { urlElicitation?: boolean; only?: string; onElicit?: () => Promise<void> } = {},
): Promise<Assistant> {
  const balancer = roundRobin(() => (options.only ? [options.only] : origins()));
  const token = await env.workos.mintAccessToken(ALICE.id, { sid });
  const client = await connectClient(env.server.url, token, 'url-consent', {
    revision,
    fetch: balancer.fetch,
    capabilities: options.urlElicitation === false ? {} : { elicitation: { url: {} } },
  });
  const elicited: ElicitRequestURLParams[] = [];
  if (options.urlElicitation === false) return { client, elicited, balancer };
  client.setRequestHandler('elicitation/create', async (request) => {
    elicited.push(request.params as ElicitRequestURLParams);
    await options.onElicit?.();
    return { action: 'accept' };
  });
  return { client, elicited, balancer };
}

function expectConsentLink(url: string, message: string): void {
  // Our consent page on one of our origins, whatever the request said.
  expect(
    origins()
      .concat(hasty.url)
      .some((o) => url.startsWith(`${o}/approve?token=`)),
  ).toBe(true);
  expect(url).not.toContain('evil');
  expect(message).toMatch(
    /(waiting for .+ in (#[\w-]+|Slack \(<#C\w+>\))|waiting for you in your Slack direct messages .*\)), or open this link/,
  );
}

async function callLinear(client: Client) {
  return callTool(client, 'call_integration_api', {
    url: `${env.demo.linearUrl}/graphql`,
    body: LINEAR_QUERY,
  });
}

describe('2026-07-28: input_required with the consent link', () => {
  it('approval in Slack, and the retry succeeds on the other instance', async () => {
    const sid = 'session_url_2026_ok';
    const a: Assistant = await assistant('2026-07-28', sid, {
      onElicit: () => approveInSlack(elicitedGrant(a)),
    });
    const result = await callTool(a.client, 'request_elevated_access', {
      ...SESSION_READ,
      reason: 'see https://evil.example/phish',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent?.status).toBe('approved');
    expect(a.elicited).toHaveLength(1);
    expect(a.elicited[0]!.mode).toBe('url');
    expectConsentLink(a.elicited[0]!.url, a.elicited[0]!.message);
    // SELF_APPROVE=read: the request goes to Alice's own DM, and the message says so.
    expect(a.elicited[0]!.message).toContain('waiting for you in your Slack direct messages');
    const [first, retry] = a.balancer.calls('request_elevated_access');
    expect(first!.body.params?.requestState).toBeUndefined();
    expect(typeof retry!.body.params?.requestState).toBe('string');
    expect(retry!.origin).not.toBe(first!.origin);
    const called = await callLinear(a.client);
    expect(called.structuredContent?.ok, textOf(called)).toBe(true);
    await a.client.close();
  });

  it('call_integration_api without access points at the pending request, then makes the call', async () => {
    const sid = 'session_url_2026_call';
    const plain = await assistant('2026-07-28', sid, { urlElicitation: false });
    const requested = await callTool(plain.client, 'request_elevated_access', SESSION_READ);
    expect(requested.structuredContent?.status).toBe('pending');
    const grantId = requested.structuredContent!.requestId as string;
    const a = await assistant('2026-07-28', sid, { onElicit: () => approveInSlack(grantId) });
    const called = await callLinear(a.client);
    expect(called.structuredContent?.ok, textOf(called)).toBe(true);
    expect(a.elicited).toHaveLength(1);
    expectConsentLink(a.elicited[0]!.url, a.elicited[0]!.message);
    const [first, retry] = a.balancer.calls('call_integration_api');
    expect(retry!.origin).not.toBe(first!.origin);
    await Promise.all([plain.client.close(), a.client.close()]);
  });

  it('a denial comes back as such, with the reason', async () => {
    const sid = 'session_url_2026_deny';
    const a: Assistant = await assistant('2026-07-28', sid, {
      onElicit: async () => {
        const id = elicitedGrant(a);
        await messageOf(id);
        expect((await store.deny(id, BOB, 'not this week')).ok).toBe(true);
      },
    });
    const result = await callTool(a.client, 'request_elevated_access', SESSION_READ);
    expect(result.isError).toBe(true);
    expect(result.structuredContent?.status).toBe('denied');
    expect(textOf(result)).toContain('not this week');
    await a.client.close();
  });

  it('an expiry comes back as such', async () => {
    const a = await assistant('2026-07-28', 'session_url_2026_expire', { only: hasty.url });
    const result = await callTool(a.client, 'request_elevated_access', SESSION_READ);
    expect(result.isError).toBe(true);
    expect(result.structuredContent?.status).toBe('expired');
    await a.client.close();
  });

  it('a tampered request state, or one minted for another session, is refused and changes nothing', async () => {
    const sid = 'session_url_2026_forge';
    const a = await assistant('2026-07-28', sid);
    const manual = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid }),
      'manual',
      { revision: '2026-07-28', capabilities: { elicitation: { url: {} } } },
    );
    const asked = (await manual.callTool({ name: 'request_elevated_access', arguments: SESSION_READ }, {
      allowInputRequired: true,
    } as never)) as unknown as { requestState?: string; resultType?: string };
    expect(typeof asked.requestState).toBe('string');
    const state = asked.requestState!;
    const tampered = `${state.slice(0, -4)}${state.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const retry = (requestState: string, client: Client) =>
      client.callTool({
        name: 'request_elevated_access',
        arguments: SESSION_READ,
        requestState,
        inputResponses: {},
      } as never);
    await expect(retry(tampered, manual)).rejects.toMatchObject({ code: -32602 });
    const mallory = await connectClient(
      env.server.url,
      await env.workos.mintAccessToken(ALICE.id, { sid: 'session_url_2026_other' }),
      'other',
      { revision: '2026-07-28', capabilities: { elicitation: { url: {} } } },
    );
    await expect(retry(state, mallory)).rejects.toMatchObject({ code: -32602 });
    const id = asked.requestState && (asked as { inputRequests?: object }).inputRequests;
    const grantId = Object.keys(id as object)[0]!.replace(/^consent-/, '');
    expect((await store.get(grantId))?.status).toBe('pending');
    await Promise.all([a.client.close(), manual.close(), mallory.close()]);
  });
});

describe('2025-11-25: error -32042 with the consent link', () => {
  it('approval in Slack, and the retry succeeds on the other instance', async () => {
    const a = await assistant('2025-11-25', 'session_url_2025_ok');
    const error = await callTool(a.client, 'request_elevated_access', SESSION_READ).then(
      () => null,
      (e: {
        code?: number;
        data?: { elicitations?: Array<ElicitRequestURLParams & { elicitationId: string }> };
      }) => e,
    );
    expect(error?.code).toBe(-32042);
    const [elicitation] = error!.data!.elicitations!;
    expectConsentLink(elicitation!.url, elicitation!.message);
    await approveInSlack(elicitation!.elicitationId);
    const retried = await callTool(a.client, 'request_elevated_access', SESSION_READ);
    expect(retried.structuredContent?.status, textOf(retried)).toBe('approved');
    expect(retried.structuredContent?.requestId).toBe(elicitation!.elicitationId);
    const [first, retry] = a.balancer.calls('request_elevated_access');
    expect(retry!.origin).not.toBe(first!.origin);
    const called = await callLinear(a.client);
    expect(called.structuredContent?.ok, textOf(called)).toBe(true);
    await a.client.close();
  });

  it('a denial comes back as such (elicitation/complete on an open stream); a forged elicitation id finds nothing', async () => {
    const a = await assistant('2025-11-25', 'session_url_2025_deny');
    const error = await callLinear(a.client).then(
      () => null,
      (e: { code?: number }) => e,
    );
    // No request yet: call_integration_api says what to do, as today.
    expect(error).toBeNull();
    const asked = await callTool(a.client, 'request_elevated_access', SESSION_READ).catch((e) => e);
    expect(asked.code).toBe(-32042);
    const grantId = asked.data.elicitations[0].elicitationId as string;
    const forged = await callTool(a.client, 'check_access_request', { requestId: `${grantId}x` });
    expect(forged.structuredContent?.status).toBe('not_found');
    await messageOf(grantId);
    // A long poll is a stream the server has open: the person being done arrives on it as elicitation/complete.
    const completed: string[] = [];
    a.client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
      completed.push(notification.params.elicitationId);
    });
    const waiting = callTool(a.client, 'check_access_request', { requestId: grantId, waitSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.deny(grantId, BOB, 'ask Carol')).ok).toBe(true);
    expect((await waiting).structuredContent?.status).toBe('denied');
    expect(completed).toEqual([grantId]);
    const retried = await callTool(a.client, 'request_elevated_access', SESSION_READ);
    expect(retried.isError).toBe(true);
    expect(retried.structuredContent?.status).toBe('denied');
    expect(textOf(retried)).toContain('ask Carol');
    await a.client.close();
  });
});

describe('clients without URL elicitation', () => {
  it.each(['2026-07-28', '2025-11-25', '2025-06-18'] as const)(
    '%s: today’s flow, the link in the result',
    async (revision) => {
      const a = await assistant(revision, `session_url_none_${revision}`, { urlElicitation: false });
      const result = await callTool(a.client, 'request_elevated_access', SESSION_READ);
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent?.status).toBe('pending');
      expect(result.structuredContent?.approvalUrl).toMatch(/\/approve\?token=/);
      expect(a.elicited).toHaveLength(0);
      await a.client.close();
    },
  );
});
