// The real server wired to the Slack stand-in over HTTP (signed clicks to /slack/events), in its own child process.
import type { Client } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import { slotTag } from '../../src/redis/key-slot.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { DeliveryResult, SlackMessage, SlackStandIn } from '../../src/sandbox/slack/index.js';
import { callTool, textOf } from '../../test/support/mcp-client.js';
import { type Environment, startEnvironment } from '../../test/support/server-process.js';
import { REDIS_URL, sleep } from './gateway-env.js';
import { connectBenchClient } from './mcp-client.js';
import { DURATIONS, PRODUCTION_SHAPE, serverSettings, serverSpawn } from './server-settings.js';

/** The approver who clicks: Bob, a member of the stand-in's @approvers group (S0APPROVERS). */
export const SLACK_APPROVER = 'U0BOB';
/** Team approvals land here; with SELF_APPROVE=read, Alice's write requests always do. */
export const APPROVALS_CHANNEL = 'C0APPROVALS';
/** The audit channel test/support/server-process.ts configures (unless a bench sets AUDIT_CHANNEL ''). */
export const AUDIT_CHANNEL = 'C0GENERAL';

export interface SlackBenchEnvironment {
  env: Environment;
  slack: SlackStandIn;
  store: RedisGrantStore;
  /** The bench's own connection to the server's Redis. */
  redis: Redis;
  /** The BullMQ prefix the server derives from its Redis prefix (src/start.ts): `{<prefix>-jobs}`. */
  jobsPrefix: string;
  /** The server child's process id, for CPU accounting. */
  serverPid: number | undefined;
  /** A new SDK client for ALICE on its own session `bench_<name>`. */
  connect(name: string): Promise<Client>;
  /**
   * Asks for one exact Linear mutation (write, so it goes to the approvals channel for Bob); returns the grant
   * id. Per-call grants never supersede each other, so any number can be pending at once.
   */
  requestCall(client: Client, note: string): Promise<string>;
  /** The same request; returns the tool's structured result (requestId, decideBy as an ISO string, …). */
  requestCallView(client: Client, note: string): Promise<RequestView>;
  /** The request message for a grant once the sync job has posted it (a wait on the stand-in, no polling). */
  messageOf(grantId: string, timeoutMs?: number): Promise<SlackMessage>;
  /**
   * Resolves once no new message has reached the approvals channel for `quietMs` (default 3 s). Slack posts about
   * one message a second per channel: a burst of requests leaves a backlog the server works off at that pace, in
   * no set order, and a measurement that needs a new request's message should not start behind it.
   */
  approvalsSettled(timeoutMs: number, quietMs?: number): Promise<void>;
  /** Request messages in the approvals channel that still have an Approve button, by grant id (one copy). */
  approvable(): Map<string, SlackMessage>;
  /** Bob's signed Approve click on a request message, as Slack delivers it. */
  approve(message: SlackMessage): Promise<DeliveryResult>;
  stop(): Promise<void>;
}

export interface SlackBenchOptions {
  /** Write a CPU profile of the server child into this (existing) directory when it exits. */
  serverProfileDir?: string;
  /** Server environment on top of the bench defaults, e.g. `{ DECISION_WINDOW: '2s' }`; '' unsets a value. */
  settings?: Record<string, string>;
}

/** What request_elevated_access answers (its structured content), as far as the bench reads it. */
export interface RequestView {
  requestId: string;
  status: string;
  /** ISO time the pending request expires undecided. */
  decideBy: string | null;
  expiresAt: string | null;
}

export async function startSlackBenchEnvironment(
  options: SlackBenchOptions = {},
): Promise<SlackBenchEnvironment> {
  const env = await startEnvironment(
    // read: the requester may approve her reads in her DM, but every write goes to the approvals channel.
    {
      ...serverSettings(options.serverProfileDir),
      ...PRODUCTION_SHAPE,
      SELF_APPROVE: 'read',
      ...options.settings,
    },
    { slack: 'http', spawn: serverSpawn() },
  );
  const slack = env.slack!;
  const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const store = new RedisGrantStore(redis, { prefix: env.prefix, ...DURATIONS });
  const clients: Client[] = [];
  const linearGraphqlUrl = `${env.demo.linearUrl}/graphql`;
  const requestCallView = async (client: Client, note: string): Promise<RequestView> => {
    const requested = await callTool(client, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url: linearGraphqlUrl,
      body: { query: `mutation { issueUpdate(id: "${note}", input: { title: "bench" }) { success } }` },
      reason: `benchmark ${note}`,
    });
    const requestId = requested.structuredContent?.requestId as string | undefined;
    if (requested.isError || !requestId) throw new Error(`request failed: ${textOf(requested)}`);
    return requested.structuredContent as unknown as RequestView;
  };

  return {
    env,
    slack,
    store,
    redis,
    jobsPrefix: slotTag(env.prefix, 'jobs'),
    serverPid: env.server.child.pid,
    async connect(name) {
      const token = await env.workos.mintAccessToken(ALICE.id, { sid: `bench_${name}` });
      const client = await connectBenchClient(env.server.url, token, `bench-${name}`);
      clients.push(client);
      return client;
    },
    async requestCall(client, note) {
      return (await requestCallView(client, note)).requestId;
    },
    requestCallView,
    messageOf(grantId, timeoutMs = 10_000) {
      return slack.waitForMessage((m) => approveValue(m) === grantId, timeoutMs, { includeExisting: true });
    },
    async approvalsSettled(timeoutMs, quietMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      let count = slack.messages(APPROVALS_CHANNEL).length;
      let since = Date.now();
      while (Date.now() - since < quietMs) {
        if (Date.now() > deadline)
          throw new Error(`the approvals channel was still busy after ${timeoutMs} ms`);
        await sleep(250);
        const now = slack.messages(APPROVALS_CHANNEL).length;
        if (now !== count) {
          count = now;
          since = Date.now();
        }
      }
    },
    approvable() {
      const byGrant = new Map<string, SlackMessage>();
      for (const message of slack.messages(APPROVALS_CHANNEL)) {
        const grantId = approveValue(message);
        if (grantId) byGrant.set(grantId, message);
      }
      return byGrant;
    },
    approve(message) {
      return slack.click({
        as: SLACK_APPROVER,
        channel: message.channel,
        ts: message.ts,
        actionId: 'cs_approve',
      });
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      try {
        await store.close();
      } finally {
        // Stops the server, the stand-ins, and deletes the run's keys and job queue.
        await env.stop();
        redis.disconnect();
      }
    },
  };
}

/** The grant id on a message's Approve button; undefined once decided (the buttons are gone). */
export function approveValue(message: SlackMessage): string | undefined {
  for (const block of message.blocks) {
    for (const element of (block.elements ?? []) as Array<{ action_id?: string; value?: string }>) {
      if (element.action_id === 'cs_approve') return element.value;
    }
  }
  return undefined;
}
