// The consent message a URL-elicitation client shows: who will approve and where by name (#access-approvals,
// @bob), looked up in Slack without holding the tool up; with Slack slow or down, the former wording, at once.

import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { ALICE } from '../../src/sandbox/people.js';
import { connectClient } from '../support/mcp-client.js';
import { REDIS_URL } from '../support/redis.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;
/** Under policy.sandbox.yml: Snowflake writes need two of @data-team. */
let policyEnv: Environment;
let redis: Redis;
const stores = new Map<Environment, RedisGrantStore>();
const storeOptions = (prefix: string) => ({
  prefix,
  decisionWindowMs: 300_000,
  maxAccessMs: 3_600_000,
  retentionMs: 86_400_000,
  sessionTtlMs: 86_400_000,
});
const SESSION_READ = { kind: 'session', level: 'read', providers: ['linear'], durationMinutes: 10 };
const SNOWFLAKE_WRITE = { kind: 'session', level: 'write', providers: ['snowflake'], durationMinutes: 10 };
const SYSTEM = { type: 'system' as const, id: 'test', via: 'system' as const };

beforeAll(async () => {
  // No self-approval: a read request goes to #access-approvals, for @approvers (Bob), Carol and bob@sandbox.test.
  [env, policyEnv] = await Promise.all([
    startEnvironment({ SELF_APPROVE: 'none' }, { slack: 'http' }),
    startEnvironment(
      { POLICY_FILE: fileURLToPath(new URL('../../policy.sandbox.yml', import.meta.url)) },
      { slack: 'http' },
    ),
  ]);
  redis = new Redis(REDIS_URL);
  for (const e of [env, policyEnv]) stores.set(e, new RedisGrantStore(redis, storeOptions(e.prefix)));
}, 180_000);
afterAll(async () => {
  await Promise.all([...stores.values()].map((store) => store.close()));
  redis?.disconnect();
  await Promise.all([env?.stop(), policyEnv?.stop()]);
});

interface Asked {
  grantId: string;
  message: string;
}

/** One request_elevated_access from a fresh 2026-07-28 session that declares URL elicitation: its consent message. */
async function askOnce(sid: string, on = env, args: Record<string, unknown> = SESSION_READ): Promise<Asked> {
  const client: Client = await connectClient(
    on.server.url,
    await on.workos.mintAccessToken(ALICE.id, { sid }),
    'consent-message',
    { revision: '2026-07-28', capabilities: { elicitation: { url: {} } } },
  );
  try {
    const asked = (await client.callTool({ name: 'request_elevated_access', arguments: args }, {
      allowInputRequired: true,
    } as never)) as unknown as { inputRequests?: Record<string, { params?: { message?: string } }> };
    const [key, request] = Object.entries(asked.inputRequests ?? {})[0] ?? [];
    if (!key || typeof request?.params?.message !== 'string')
      throw new Error(`no consent elicitation: ${JSON.stringify(asked)}`);
    const grantId = key.replace(/^consent-/, '');
    // Withdrawn at once: only the message matters here, and pending requests per person are capped.
    await stores.get(on)!.cancel(grantId, SYSTEM);
    return { grantId, message: request.params.message };
  } finally {
    await client.close();
  }
}

describe('the consent message', () => {
  // First, while nothing is cached: every name must come from Slack.
  it('with Slack slow or down, the tool answers without waiting, in the former wording', async () => {
    const slack = env.slack!;
    slack.outage('conversations.info', { status: 503 });
    slack.outage('usergroups.list', { status: 503 });
    // Carol's lookup hangs: the tool must answer while it is still held.
    const held = slack.holdReply('users.info', (args) => args.user === 'U0CAROL');
    try {
      const { message } = await askOnce('session_consent_message_down');
      await held.arrived;
      // Carol's call is still held, asked once: the lookup client gives up on a hung call after 5 s and asks
      // again, so a tool that waited for it would have answered only after a second call.
      expect(slack.calls('users.info').filter((c) => c.args.user === 'U0CAROL')).toHaveLength(1);
      expect(message).toContain(
        'Countersign needs a person to approve read access to linear: waiting for an approver in Slack (<#C0APPROVALS>), or open this link',
      );
    } finally {
      held.release();
      slack.outage('conversations.info', null);
      slack.outage('usergroups.list', null);
    }
  });

  it('names the channel and the approvers (once Slack answered, from the cache)', async () => {
    let attempt = 0;
    // The first answer may come before Slack's (300 ms budget); the lookups go on and fill the cache.
    await expect
      .poll(async () => (await askOnce(`session_consent_message_${attempt++}`)).message, {
        timeout: 30_000,
        interval: 500,
      })
      .toContain(': waiting for @carol, @bob or @approvers in #access-approvals, or open this link');
    const cached = await askOnce('session_consent_message_cached');
    expect(cached.message).toContain('#access-approvals');
    expect(cached.message).toContain('@bob');
    expect(cached.message).not.toContain('<#');
  });

  it("N-of-M: says how many approvals, from the policy's approvers (an email without Slack account as itself)", async () => {
    let attempt = 0;
    await expect
      .poll(
        async () =>
          (await askOnce(`session_consent_message_nofm_${attempt++}`, policyEnv, SNOWFLAKE_WRITE)).message,
        { timeout: 30_000, interval: 500 },
      )
      .toContain(
        ': needs 2 approvals from @bob, carol@sandbox.test and @data-team in #access-approvals, or open this link',
      );
  });
});
