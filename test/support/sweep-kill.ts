// The "worker SIGKILLed mid-sweep" fault, shared by its e2e test and its bench: a web process takes requests, a
// worker posts them and stops, they pass their decision deadline with no worker alive, a worker starts on the
// backlog and is SIGKILLed at a random point, a worker starts again. The trial reports what an operator would
// check: stored statuses, audit events, the Slack messages (as the stand-in recorded every version).
import type { Client } from '@modelcontextprotocol/client';
import { grantKeys } from '../../src/grants/keys.js';
import { decodeGrant } from '../../src/grants/store-codec.js';
import type { RedisClient as Redis } from '../../src/redis/connections.js';
import { slotTag } from '../../src/redis/key-slot.js';
import { ALICE } from '../../src/sandbox/people.js';
import type { Block, SlackMessage, SlackStandIn } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from './mcp-client.js';
import { testRedis } from './redis.js';
import { type Environment, type ServerProcess, startEnvironment } from './server-process.js';

/** Team approvals (every write, with SELF_APPROVE=read) land here. */
export const APPROVALS_CHANNEL = 'C0APPROVALS';
/** The request message's headline once it expired (src/slack/views/request-message.ts). */
export const EXPIRED_HEADLINE = '⌛ Expired without a decision';

export interface SweepKillWorld {
  env: Environment;
  slack: SlackStandIn;
  redis: Redis;
  /** The web process's DECISION_WINDOW. */
  decisionWindowMs: number;
  stop(): Promise<void>;
}

export interface SweepKillWorldOptions {
  decisionWindowMs: number;
  /** MCP sessions the requests are spread over. */
  sessions?: number;
}

/** A web-only server (no jobs run there) with the Slack stand-in; workers are started per trial. */
export async function startSweepKillWorld(options: SweepKillWorldOptions): Promise<SweepKillWorld> {
  const env = await startEnvironment(
    {
      ROLE: 'web',
      DECISION_WINDOW: `${options.decisionWindowMs}ms`,
      // Writes go to the approvals channel; hundreds of requests a minute for one person are the point here.
      SELF_APPROVE: 'read',
      REQUESTS_PER_MINUTE: '100000',
      // Only expiries: a reminder thread would be a second kind of deadline in the same sweep.
      REMINDER_AT: '0',
      LOG_LEVEL: 'warn',
    },
    { slack: 'http' },
  );
  // The subject is the deadline sweep under kills, not Slack's pacing: fifty requests posted into one channel at
  // once would take Slack's per-channel pacing ~40 s, and their expiry updates its Tier 3 chat.update minute.
  env.slack!.channelPacing(false);
  env.slack!.limit('chat.update', { perWindow: 10_000, windowSeconds: 60 });
  const redis = testRedis();
  return {
    env,
    slack: env.slack!,
    redis,
    decisionWindowMs: options.decisionWindowMs,
    async stop() {
      redis.disconnect();
      await env.stop();
    },
  };
}

export type KillPoint = 'transitions' | 'updates';

export interface TrialOptions {
  grants: number;
  /**
   * Where the first catch-up worker is SIGKILLed: after `killAfter` stored transitions to `expired` (inside the
   * sweep itself) or after `killAfter` chat.update calls reached Slack (inside the refresh jobs).
   */
  killAt: KillPoint;
  killAfter: number;
  /** Gives up waiting for the outcome this long after the restarted worker started. */
  settleMs: number;
  sessions?: number;
}

export interface TrialResult {
  grants: number;
  killAt: KillPoint;
  /** Transitions or updates counted when the kill was sent (the worker may have done a little more). */
  killedAfter: number | null;
  /** Grants whose stored status is not `expired` at the end. */
  notExpired: number;
  /** Grants with no `grant.expired` audit event, and with more than one. */
  missingEvents: number;
  duplicateEvents: number;
  /** Messages showing the expired state without buttons at the end. */
  messagesFinal: number;
  /** Messages with exactly one version (update) showing the expired state, and with more than one. */
  updatedOnce: number;
  updatedMore: number;
  /** Messages changed again after they first showed the expired state (other than an identical re-send). */
  changedAfterExpired: number;
  /** Jobs BullMQ gave up on (failed set of the queue) at the end. */
  failedJobs: number;
  /** What the workers wrote (warnings and errors), for the message of a failing assertion. */
  workerOutput: string;
  /** From the first request to every request posted (must stay well inside DECISION_WINDOW). */
  setupMs: number;
  /** From the restarted worker's spawn to its "running" line (process start-up, before any work). */
  restartBootMs: number;
  /** From the restarted worker's spawn to every grant audited expired, and to every message expired. */
  auditedLagMs: number | null;
  renderedLagMs: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function approveValue(blocks: readonly Block[]): string | undefined {
  for (const block of blocks) {
    for (const element of (block.elements ?? []) as Array<{ action_id?: string; value?: string }>) {
      if (element.action_id === 'cs_approve') return element.value;
    }
  }
  return undefined;
}

/** Expired headline and no decision buttons. */
export function showsExpired(blocks: readonly Block[]): boolean {
  const header = blocks.find((b) => b?.type === 'header');
  const headline = typeof header?.text?.text === 'string' ? header.text.text : '';
  return headline.startsWith(EXPIRED_HEADLINE) && approveValue(blocks) === undefined;
}

/** Every version of a message the stand-in kept (earlier ones and the current one) that showed it expired. */
export function expiredVersions(message: SlackMessage): number {
  return [...message.history, message].filter((v) => showsExpired(v.blocks)).length;
}

/** True when a version after the first expired one differs from it (text or blocks). */
function changedAfterExpired(message: SlackMessage): boolean {
  const versions = [...message.history, message];
  const first = versions.findIndex((v) => showsExpired(v.blocks));
  if (first < 0) return false;
  const same = (v: { text: string; blocks: Block[] }) =>
    v.text === versions[first]!.text && JSON.stringify(v.blocks) === JSON.stringify(versions[first]!.blocks);
  return versions.slice(first + 1).some((v) => !same(v));
}

async function requestWrite(world: SweepKillWorld, client: Client, note: string) {
  const requested = await callTool(client, 'request_elevated_access', {
    kind: 'call',
    method: 'POST',
    url: `${world.env.demo.linearUrl}/graphql`,
    body: { query: `mutation { issueUpdate(id: "${note}", input: { title: "fault" }) { success } }` },
    reason: `fault trial ${note}`,
  });
  const view = requested.structuredContent as { requestId?: string; decideBy?: string } | undefined;
  if (requested.isError || !view?.requestId || !view.decideBy)
    throw new Error(`request failed: ${textOf(requested)}`);
  return { grantId: view.requestId, decideBy: Date.parse(view.decideBy) };
}

async function storedStatus(world: SweepKillWorld, grantId: string): Promise<string | null> {
  const key = grantKeys(world.env.prefix).grant(grantId);
  const raw = key ? await world.redis.get(key) : null;
  // The stored record as the workers left it: reading through a store would apply the clock itself.
  return raw ? decodeGrant(raw, null).status : null;
}

/** Counts `grant.expired` events per grant, reading only what was added since its last call. */
function expiredEventCounter(world: SweepKillWorld, ids: Set<string>) {
  const counts = new Map<string, number>();
  let after = '-';
  return async (): Promise<Map<string, number>> => {
    const rows = await world.redis.xrange(`${world.env.prefix}audit`, after, '+');
    for (const [id, fields] of rows) {
      after = `(${id}`;
      const event = JSON.parse(fields[fields.indexOf('event') + 1]!) as { type: string; grantId?: string };
      if (event.type === 'grant.expired' && event.grantId && ids.has(event.grantId))
        counts.set(event.grantId, (counts.get(event.grantId) ?? 0) + 1);
    }
    return counts;
  };
}

/** Creates and posts `grants` requests with a worker, lets them pass their deadline with none, then the fault. */
export async function runSweepKillTrial(world: SweepKillWorld, options: TrialOptions): Promise<TrialResult> {
  const { env, slack } = world;
  const sessions = options.sessions ?? 8;
  const clients = await Promise.all(
    Array.from({ length: sessions }, async (_, i) =>
      connectClient(
        env.server.url,
        await env.workos.mintAccessToken(ALICE.id, { sid: `fault_${Date.now()}_${i}` }),
        `fault-${i}`,
      ),
    ),
  );
  const workers: ServerProcess[] = [];
  const subscriber = testRedis();
  try {
    // 1. A worker posts every request.
    workers.push(await env.another({}, ['--role=worker']));
    const setupStart = Date.now();
    const requested: Array<{ grantId: string; decideBy: number }> = [];
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < options.grants) {
          const n = next++;
          requested.push(await requestWrite(world, client, `t${Date.now()}-${n}`));
        }
      }),
    );
    const ids = new Set(requested.map((r) => r.grantId));
    const tsOf = new Map<string, string>();
    const firstDeadline = Math.min(...requested.map((r) => r.decideBy));
    while (tsOf.size < ids.size) {
      for (const message of slack.messages(APPROVALS_CHANNEL)) {
        const grantId = approveValue(message.blocks);
        if (grantId && ids.has(grantId)) tsOf.set(grantId, message.ts);
      }
      if (tsOf.size < ids.size && Date.now() >= firstDeadline)
        throw new Error(
          `only ${tsOf.size} of ${ids.size} requests were posted before the first deadline: raise DECISION_WINDOW`,
        );
      await sleep(50);
    }
    const setupMs = Date.now() - setupStart;
    // 2. No worker while the deadlines pass.
    await workers[0]!.stop();
    const lastDeadline = Math.max(...requested.map((r) => r.decideBy));
    await sleep(Math.max(0, lastDeadline - Date.now()) + 200);

    // 3. A worker takes the backlog and is SIGKILLed at the chosen point.
    const ourTs = new Set(tsOf.values());
    let seen = 0;
    let killedAfter: number | null = null;
    let victim: ServerProcess | null = null;
    let kill = false;
    const killNow = () => {
      if (killedAfter !== null) return;
      kill = true;
      if (!victim) return;
      killedAfter = seen;
      victim.child.kill('SIGKILL');
    };
    if (options.killAt === 'transitions') {
      await subscriber.subscribe(grantKeys(env.prefix).events);
      subscriber.on('message', (_channel: string, message: string) => {
        const [grantId, status] = message.split(' ');
        if (status !== 'expired' || !grantId || !ids.has(grantId)) return;
        seen += 1;
        if (seen >= options.killAfter) killNow();
      });
    }
    const updates =
      options.killAt === 'updates'
        ? slack
            .waitForMessage(
              (message, change) =>
                change === 'updated' && ourTs.has(message.ts) && ++seen >= options.killAfter,
              120_000,
            )
            .then(killNow, () => undefined)
        : Promise.resolve();
    victim = await env.another({}, ['--role=worker']);
    workers.push(victim);
    if (kill) killNow();
    const victimExit = new Promise<void>((resolve) => {
      if (victim!.child.exitCode !== null || victim!.child.signalCode !== null) resolve();
      else victim!.child.once('exit', () => resolve());
    });
    // A trigger set higher than the work there is would never fire: then the kill comes late, but it comes.
    const fallback = setTimeout(killNow, 60_000);
    await victimExit;
    clearTimeout(fallback);
    void updates;
    await subscriber.unsubscribe().catch(() => undefined);

    // 4. A worker again: it must finish what the dead one took.
    const expiredEvents = expiredEventCounter(world, ids);
    const restartAt = Date.now();
    workers.push(await env.another({}, ['--role=worker']));
    const restartBootMs = Date.now() - restartAt;
    let auditedLagMs: number | null = null;
    let renderedLagMs: number | null = null;
    while (Date.now() - restartAt < options.settleMs && (auditedLagMs === null || renderedLagMs === null)) {
      if (auditedLagMs === null) {
        const counts = await expiredEvents();
        if (counts.size === ids.size) auditedLagMs = Date.now() - restartAt;
      }
      if (renderedLagMs === null) {
        const byTs = new Map(slack.messages(APPROVALS_CHANNEL).map((m) => [m.ts, m]));
        if ([...ourTs].every((ts) => byTs.get(ts) && showsExpired(byTs.get(ts)!.blocks)))
          renderedLagMs = Date.now() - restartAt;
      }
      await sleep(100);
    }
    // A moment more, so a late duplicate (event or update) would show.
    await sleep(500);

    const statuses = await Promise.all([...ids].map((id) => storedStatus(world, id)));
    const counts = await expiredEvents();
    const messages = slack.messages(APPROVALS_CHANNEL).filter((m) => ourTs.has(m.ts));
    const versions = messages.map(expiredVersions);
    return {
      grants: ids.size,
      killAt: options.killAt,
      killedAfter,
      notExpired: statuses.filter((s) => s !== 'expired').length,
      missingEvents: [...ids].filter((id) => !counts.has(id)).length,
      duplicateEvents: [...counts.values()].filter((c) => c > 1).length,
      messagesFinal: messages.filter((m) => showsExpired(m.blocks)).length,
      updatedOnce: versions.filter((v) => v === 1).length,
      updatedMore: versions.filter((v) => v > 1).length,
      changedAfterExpired: messages.filter(changedAfterExpired).length,
      failedJobs: await world.redis.zcard(`${slotTag(env.prefix, 'jobs')}:grants:failed`),
      workerOutput: workers.map((w) => w.output()).join('\n---\n'),
      setupMs,
      restartBootMs,
      auditedLagMs,
      renderedLagMs,
    };
  } finally {
    subscriber.disconnect();
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.all(workers.map((w) => w.stop()));
  }
}
