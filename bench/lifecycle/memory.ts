// Benchmark 8: Redis memory per pending grant, everything it leaves behind included: the grant record, its
// session, its Slack message ref, markers and index entry, its audit entry, and its BullMQ jobs (the completed
// deliver and refresh, the delayed expire and remind) with the queue's own structures. Summed with MEMORY USAGE
// over every key of the run's prefix and job queue, on a server of its own.
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { slotTag } from '../../src/redis/key-slot.js';
import { sleep } from '../lib/gateway-env.js';
import {
  APPROVALS_CHANNEL,
  AUDIT_CHANNEL,
  type SlackBenchEnvironment,
  type SlackBenchOptions,
  startSlackBenchEnvironment,
} from '../lib/slack-env.js';
import { round } from '../lib/stats.js';

export interface MemoryOptions {
  /** Pending grants at the end; memory is also read at half of them, for the marginal cost. */
  grants: number;
  /** MCP sessions the requests come from (each has one session hash, shared by its grants). */
  sessions: number;
  /** Gives up waiting for each half's messages and jobs to settle after this long. */
  settleMaxMs: number;
}

export interface FamilyUsage {
  family: string;
  keys: number;
  bytes: number;
  /** bytes / grants. */
  perGrant: number;
  /** Of the total. */
  share: number;
  /** Growth per grant from half the grants to all of them: near 0 for capped or fixed structures. */
  marginalPerGrant: number;
}

export interface KeyAnatomy {
  /** The key without the run's prefix (job keys without `<jobs prefix>:grants:`), the grant id shown as <g>. */
  key: string;
  type: string;
  /** OBJECT ENCODING: a hash turns from listpack into a hashtable once one value exceeds hash-max-listpack-value. */
  encoding: string;
  bytes: number;
  /** Bytes of data in it (string length, or the sum of a hash's field and value lengths). */
  payload: number;
}

export interface MemoryResult {
  grants: number;
  sessions: number;
  /** MEMORY USAGE … SAMPLES 0 summed over every key of the run (prefix and job queue) at the end. */
  totalBytes: number;
  perGrantBytes: number;
  /** The same without the audit stream (history with its own retention): the grant state the target is about. */
  perGrantWithoutAuditBytes: number;
  /** The audit stream's share per grant, reported apart. */
  auditPerGrantBytes: number;
  /** (total at N − total at N/2) / (N/2): what one more pending grant costs once the fixed parts are paid. */
  marginalPerGrantBytes: number;
  /** Keys present before the first request (the server's own), included in the total. */
  baselineBytes: number;
  families: FamilyUsage[];
  /** Completed job hashes (deliver, refresh) and the completed set: kept a day (removeOnComplete). */
  completedJobs: { bytes: number; perGrant: number; share: number };
  jobs: Record<string, number>;
  /** Every key of one of the grants (its jobs included): what Redis holds per key against the data in it. */
  anatomy: KeyAnatomy[];
  /** INFO used_memory after − before, per grant: the allocator's view, noisy on a Redis others use too. */
  usedMemoryDeltaPerGrant: number;
  /** False when a half was measured without having settled within `settleMaxMs` (jobs or posts still going). */
  settled: boolean;
  settleMs: { firstHalf: number; secondHalf: number };
  wallMs: number;
  serverPid: number | undefined;
  redisPrefix: string;
}

export async function runMemory(
  options: MemoryOptions,
  envOptions: SlackBenchOptions = {},
): Promise<MemoryResult> {
  const started = performance.now();
  // The bench defaults (5 min decision window, reminders at half of it, audit channel): a pending grant then
  // has all four jobs, and nothing expires or reminds while we measure.
  const bench = await startSlackBenchEnvironment(envOptions);
  try {
    return { ...(await measure(bench, options)), wallMs: Math.round(performance.now() - started) };
  } finally {
    await bench.stop();
  }
}

interface Snapshot {
  families: Map<string, { keys: number; bytes: number }>;
  total: number;
}

async function measure(bench: SlackBenchEnvironment, options: MemoryOptions) {
  // 1,000 requests in one channel would take Slack ~17 minutes to post (about one a second per channel): the
  // grants are measured once their jobs have settled, so the stand-in's per-channel pacing is off here.
  bench.slack.channelPacing(false);
  const clients = await Promise.all(
    Array.from({ length: options.sessions }, (_, i) => bench.connect(`memory_${i}`)),
  );
  const baseline = await snapshot(bench);
  const usedBefore = await usedMemory(bench.redis);

  let next = 0;
  let settled = true;
  const requestUpTo = async (count: number) => {
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (next < count) await bench.requestCall(client, `memory-${next++}`);
      }),
    );
    if (!(await settle(bench, count, options.settleMaxMs))) settled = false;
    return Math.round(performance.now() - started);
  };

  const half = Math.floor(options.grants / 2);
  const firstHalf = await requestUpTo(half);
  const atHalf = await snapshot(bench);
  const secondHalf = await requestUpTo(options.grants);
  const atEnd = await snapshot(bench);
  const usedAfter = await usedMemory(bench.redis);
  const jobs = await jobCounts(bench);
  const anatomy = await anatomyOfOne(bench);

  const n = options.grants;
  const grown = n - half;
  const families: FamilyUsage[] = [...atEnd.families]
    .map(([family, { keys, bytes }]) => ({
      family,
      keys,
      bytes,
      perGrant: round(bytes / n, 1),
      share: round(bytes / atEnd.total, 4),
      marginalPerGrant: round((bytes - (atHalf.families.get(family)?.bytes ?? 0)) / grown, 1),
    }))
    .sort((a, b) => b.bytes - a.bytes);
  const completedBytes = families
    .filter((f) => f.family.includes('(completed)') || f.family === FAMILY.completedSet)
    .reduce((sum, f) => sum + f.bytes, 0);
  const auditBytes = atEnd.families.get(FAMILY.audit)?.bytes ?? 0;
  return {
    grants: n,
    sessions: options.sessions,
    totalBytes: atEnd.total,
    perGrantBytes: round(atEnd.total / n, 1),
    perGrantWithoutAuditBytes: round((atEnd.total - auditBytes) / n, 1),
    auditPerGrantBytes: round(auditBytes / n, 1),
    marginalPerGrantBytes: round((atEnd.total - atHalf.total) / grown, 1),
    baselineBytes: baseline.total,
    families,
    completedJobs: {
      bytes: completedBytes,
      perGrant: round(completedBytes / n, 1),
      share: round(completedBytes / atEnd.total, 4),
    },
    jobs,
    anatomy,
    usedMemoryDeltaPerGrant: round((usedAfter - usedBefore) / n, 1),
    settled,
    settleMs: { firstHalf, secondHalf },
    serverPid: bench.serverPid,
    redisPrefix: bench.env.prefix,
  };
}

const FAMILY = {
  grants: 'grant records',
  sessions: 'session hashes',
  usage: 'grant usage counters',
  slackRefs: 'Slack per-grant hashes (slack:msg: ref, marks, audit thread)',
  slackMarkers: 'Slack once-markers (slack:sent)',
  slackAudit: 'Slack audit-channel thread refs (slack:audit-thread)',
  slackOther: 'Slack other (feed cursor, …)',
  slackIndex: 'Slack pending/active index',
  audit: 'audit stream',
  otherPrefix: 'other (rate limit, retry gate, …)',
  events: 'BullMQ events stream',
  completedSet: 'BullMQ completed set',
  delayedSet: 'BullMQ delayed set',
  scheduler: 'BullMQ job schedulers (audit feed)',
  deadlines: 'grant deadlines (sorted set)',
  dedupe: 'job dedupe keys',
  otherQueue: 'BullMQ other queue keys',
} as const;

/** Every key of the run (the server's prefix and its job queue), measured and put in a family. */
async function snapshot(bench: SlackBenchEnvironment): Promise<Snapshot> {
  const { redis, jobsPrefix } = bench;
  const queue = `${jobsPrefix}:grants:`;
  const completed = new Set(await redis.zrange(`${queue}completed`, '0', '-1'));
  const delayed = new Set(await redis.zrange(`${queue}delayed`, '0', '-1'));
  const families = new Map<string, { keys: number; bytes: number }>();
  let total = 0;
  for (const prefix of [bench.env.prefix, jobsPrefix]) {
    for await (const keys of scanKeys(redis, prefix)) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      const answers = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bytes = Number(answers[i]?.[1] ?? 0);
        const family =
          key === `${jobsPrefix}:deadlines`
            ? FAMILY.deadlines
            : key.startsWith(`${jobsPrefix}:dedupe:`)
              ? FAMILY.dedupe
              : prefix === jobsPrefix
                ? queueFamily(key.slice(queue.length), completed, delayed)
                : prefixFamily(key.slice(prefix.length));
        const entry = families.get(family) ?? { keys: 0, bytes: 0 };
        entry.keys += 1;
        entry.bytes += bytes;
        families.set(family, entry);
        total += bytes;
      });
    }
  }
  return { families, total };
}

function prefixFamily(rest: string): string {
  if (/^\{s:[0-9a-f]{16}\}:grant:/.test(rest)) return FAMILY.grants;
  if (/^\{s:[0-9a-f]{16}\}:session$/.test(rest)) return FAMILY.sessions;
  if (/^\{s:[0-9a-f]{16}\}:(uses|usage):/.test(rest)) return FAMILY.usage;
  if (rest.startsWith('slack:msg:')) return FAMILY.slackRefs;
  if (rest.startsWith('slack:sent:')) return FAMILY.slackMarkers;
  if (rest.startsWith('slack:audit-thread:')) return FAMILY.slackAudit;
  if (/^\{[^}]*-slack\}:(pending|active)$/.test(rest)) return FAMILY.slackIndex;
  if (rest === 'audit') return FAMILY.audit;
  if (rest.startsWith('slack:')) return FAMILY.slackOther;
  return FAMILY.otherPrefix;
}

/** Job hashes (and their :logs/:lock keys) by job name and state; the queue's structures by name. */
function queueFamily(rest: string, completed: Set<string>, delayed: Set<string>): string {
  const job = /^([a-z]+)_[^:]+/.exec(rest);
  if (job) {
    const id = job[0];
    const state = completed.has(id) ? 'completed' : delayed.has(id) ? 'delayed' : 'other';
    return `BullMQ job hashes: ${job[1]} (${state})`;
  }
  if (rest === 'events') return FAMILY.events;
  if (rest === 'completed') return FAMILY.completedSet;
  if (rest === 'delayed') return FAMILY.delayedSet;
  if (rest.startsWith('repeat')) return FAMILY.scheduler;
  return FAMILY.otherQueue;
}

/** The keys of the grant that is due first (each pending grant has the same set). */
async function anatomyOfOne(bench: SlackBenchEnvironment): Promise<KeyAnatomy[]> {
  const { redis, jobsPrefix } = bench;
  const [grantId] = await redis.zrange(
    `${bench.env.prefix}${slotTag(bench.env.prefix, 'slack')}:pending`,
    '0',
    '0',
  );
  if (!grantId) return [];
  const queue = `${jobsPrefix}:grants:`;
  const out: KeyAnatomy[] = [];
  for (const prefix of [bench.env.prefix, jobsPrefix]) {
    for await (const keys of scanKeys(redis, prefix, grantId)) {
      for (const key of keys) {
        const type = await redis.type(key);
        const payload =
          type === 'string'
            ? await redis.strlen(key)
            : type === 'hash'
              ? Object.entries(await redis.hgetall(key)).reduce((n, [f, v]) => n + f.length + v.length, 0)
              : 0;
        out.push({
          key: key.slice(prefix === jobsPrefix ? queue.length : prefix.length).replaceAll(grantId, '<g>'),
          type,
          encoding: String(await redis.object('ENCODING', key)),
          bytes: Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')),
          payload,
        });
      }
    }
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

async function* scanKeys(redis: Redis, prefix: string, containing = ''): AsyncGenerator<string[]> {
  const glob = (text: string) => text.replace(/[*?[\]\\{}]/g, '\\$&');
  const match = containing ? `${glob(prefix)}*${glob(containing)}*` : `${glob(prefix)}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

async function jobCounts(bench: SlackBenchEnvironment): Promise<Record<string, number>> {
  const q = `${bench.jobsPrefix}:grants:`;
  const [wait, active, prioritized, delayed, completed, failed] = await Promise.all([
    bench.redis.llen(`${q}wait`),
    bench.redis.llen(`${q}active`),
    bench.redis.zcard(`${q}prioritized`),
    bench.redis.zcard(`${q}delayed`),
    bench.redis.zcard(`${q}completed`),
    bench.redis.zcard(`${q}failed`),
  ]);
  return { wait, active, prioritized, delayed, completed, failed };
}

/** Longer than the audit feed's period (2 s, src/start.ts): a quiet spell this long means nothing is pending. */
const QUIET_MS = 2_500;

/**
 * Until `count` request messages are posted, no job but the sweep is waiting or running, every grant has its
 * expire deadline, and nothing (messages, keys, job counts) has changed for QUIET_MS: the audit feed and any
 * trimming of finished jobs have had their turn, so what is measured is what stays.
 */
async function settle(bench: SlackBenchEnvironment, count: number, maxMs: number): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  let state = '';
  let since = performance.now();
  for (;;) {
    const jobs = await jobCounts(bench);
    const posted = bench.slack.messages(APPROVALS_CHANNEL).length;
    const audit = bench.slack.messages(AUDIT_CHANNEL).length;
    // The audit feed's scheduler keeps one job coming and going; it is not the grants' state.
    let keys = 0;
    for await (const batch of scanKeys(bench.redis, bench.env.prefix)) keys += batch.length;
    const deadlines = await bench.redis.zcard(`${bench.jobsPrefix}:deadlines`);
    const busy = (jobs.wait ?? 0) + (jobs.active ?? 0) + (jobs.prioritized ?? 0);
    const ready = posted >= count && busy <= 1 && deadlines >= count;
    const now = JSON.stringify([posted, audit, keys, deadlines, jobs.completed, jobs.failed]);
    if (now !== state) {
      state = now;
      since = performance.now();
    } else if (ready && performance.now() - since >= QUIET_MS) return true;
    // Measured all the same; the result says it was not settled.
    if (performance.now() > deadline) return false;
    await sleep(250);
  }
}
