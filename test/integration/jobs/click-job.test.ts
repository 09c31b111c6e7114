// The click job on a real queue: a recorded click runs after its grace period unless finished inline, runs at
// once when handed over, is one record however often Slack delivers it, is retried while deciding fails, keeps
// its decision across retries of the telling, and gives up (failed, logged) only after its give-up time.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisGrantStore } from '../../../src/grants/redis-store.js';
import { GrantJobs } from '../../../src/jobs/grant-jobs.js';
import { grantJobHandlers } from '../../../src/jobs/handlers.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { ClickOutcome } from '../../../src/slack/click-decide.js';
import type { ClickDesk } from '../../../src/slack/click-desk.js';
import { type ClickRecord, clickRecord } from '../../../src/slack/click-record.js';
import type { Notice } from '../../../src/slack/views/notices.js';
import { REDIS_URL } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const RUN = `cs-it-click-${randomBytes(6).toString('hex')}`;
const redis = new Redis(REDIS_URL);
const jobConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const store = new RedisGrantStore(redis, {
  prefix: `${RUN}:`,
  retentionMs: 3_600_000,
  sessionTtlMs: 3_600_000,
  decisionWindowMs: 60_000,
  maxAccessMs: 60_000,
  requestAccessMs: 30_000,
});

/** A desk whose decisions and notices the test scripts; what the job asked of it is recorded. */
function fakeDesk() {
  const desk = {
    decided: [] as string[],
    told: [] as Array<{ click: string; text: string }>,
    /** Thrown by the next decide calls, one each. */
    decideFailures: [] as Error[],
    tellFailures: [] as Error[],
    outcome: { applied: true, notice: { text: 'Done: you approved it.' } } as ClickOutcome,
    giveUp: Number.POSITIVE_INFINITY,
    async decide(click: ClickRecord, options: { deferred: boolean }) {
      desk.decided.push(`${click.id} ${options.deferred ? 'deferred' : 'inline'}`);
      const failure = desk.decideFailures.shift();
      if (failure) throw failure;
      return desk.outcome;
    },
    async tell(click: ClickRecord, notice: Notice) {
      const failure = desk.tellFailures.shift();
      if (failure) throw failure;
      desk.told.push({ click: click.id, text: notice.text });
    },
    async giveUpAt() {
      return desk.giveUp;
    },
  };
  return desk;
}

let worlds = 0;
const opened: GrantJobs[] = [];
function world() {
  worlds += 1;
  const desk = fakeDesk();
  const jobs = new GrantJobs({
    connection: jobConnection,
    prefix: `{${RUN}-${worlds}-jobs}`,
    logger: createLogger('silent'),
  });
  jobs.start(
    grantJobHandlers({
      store,
      jobs,
      audit: { record: () => undefined },
      messenger: null,
      clicks: desk as unknown as ClickDesk,
      reminderAt: null,
      now: Date.now,
    }),
  );
  opened.push(jobs);
  return { jobs, desk };
}

afterAll(async () => {
  await Promise.all(opened.map((jobs) => jobs.close()));
  await store.close();
  await deleteKeys([`${RUN}*`, `{${RUN}*`]);
  jobConnection.disconnect();
  redis.disconnect();
});

let clicks = 0;
function click(): ClickRecord {
  clicks += 1;
  return clickRecord(
    {
      user: { id: 'U0CAROL' },
      team: { id: 'T0SANDBOX' },
      container: { type: 'message', message_ts: '1.000001' },
      channel: { id: 'C0APPROVALS' },
      response_url: 'https://hooks.slack.com/actions/T0SANDBOX/1/x',
    },
    { action_ts: `1768467600.${String(clicks).padStart(6, '0')}` },
    { kind: 'approve', grantId: `g_click_${clicks}` },
    Date.now(),
  );
}

describe('the click job', () => {
  it('applies a recorded click after its grace period when nothing finished it inline (the process died)', async () => {
    const { jobs, desk } = world();
    const c = click();
    expect(await jobs.clicks.record(c, 300)).not.toBeNull();
    await expect
      .poll(() => desk.told, { timeout: 15_000 })
      .toEqual([{ click: c.id, text: 'Done: you approved it.' }]);
    expect(desk.decided).toEqual([`${c.id} deferred`]);
  });

  it('is one record however often Slack delivers the click, and nothing runs once it was finished inline', async () => {
    const { jobs, desk } = world();
    const c = click();
    const ticket = await jobs.clicks.record(c, 2000);
    expect(await jobs.clicks.record({ ...c, recordedAt: Date.now() }, 2000)).toBeNull();
    await ticket!.done();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(desk.decided).toEqual([]);
    expect(await jobs.queue.getJob(c.id)).toBeUndefined();
    // A redelivery after it was done is still the same click.
    expect(await jobs.clicks.record(c, 0)).toBeNull();
  });

  it('runs at once when handed over, and only tells what was decided inline', async () => {
    const { jobs, desk } = world();
    const c = click();
    const ticket = await jobs.clicks.record(c, 600_000);
    await ticket!.handOver({ applied: false, notice: { text: 'You can’t decide this request.' } });
    await expect
      .poll(() => desk.told, { timeout: 15_000 })
      .toEqual([{ click: c.id, text: 'You can’t decide this request.' }]);
    expect(desk.decided).toEqual([]);
  });

  it('retries while deciding fails (Slack down), and keeps the decision while only the telling fails', async () => {
    const { jobs, desk } = world();
    const down = Object.assign(new Error('An HTTP protocol error occurred: statusCode = 500'), {
      code: 'slack_webapi_http_error',
    });
    desk.decideFailures.push(down, down);
    desk.tellFailures.push(down);
    const c = click();
    await (await jobs.clicks.record(c, 600_000))!.handOver();
    await expect.poll(() => desk.told, { timeout: 20_000 }).toHaveLength(1);
    // Two failed decisions, one that worked; the failed notice was retried without deciding again.
    expect(desk.decided).toHaveLength(3);
    await expect.poll(() => jobs.queue.getJob(c.id), { timeout: 10_000 }).toBeUndefined();
  });

  it('gives up only when its give-up time has passed: the job fails for good', async () => {
    const { jobs, desk } = world();
    desk.giveUp = Date.now() - 1;
    desk.decideFailures.push(new Error('Slack is down'));
    const c = click();
    await (await jobs.clicks.record(c, 600_000))!.handOver();
    await expect.poll(() => jobs.queue.getJobState(c.id), { timeout: 15_000 }).toBe('failed');
    const failed = await jobs.queue.getJob(c.id);
    expect(failed?.failedReason).toMatch(/given up/);
    expect(failed?.attemptsMade).toBe(1);
    expect(desk.decided).toHaveLength(1);
  });
});
