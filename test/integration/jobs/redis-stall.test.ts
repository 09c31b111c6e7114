// A job that fails because Redis did not answer in time (the command connection's timeout) is not at fault: the
// queue waits and runs it again without spending an attempt, so a stall outlasting the backoff loses no job.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { GrantJobs, type JobHandlers } from '../../../src/jobs/grant-jobs.js';
import { JOB } from '../../../src/jobs/names.js';
import { createLogger } from '../../../src/lib/logger.js';
import { REDIS_URL } from '../../support/redis.js';
import { deleteKeys } from '../../support/server-process.js';

const PREFIX = `{cs-it-stall-${randomBytes(6).toString('hex')}-jobs}`;
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const jobs = new GrantJobs({ connection, prefix: PREFIX, logger: createLogger('silent') });

afterAll(async () => {
  await jobs.close();
  await connection.quit();
  await deleteKeys([`${PREFIX}*`]);
});

describe('a job hit by a Redis stall', () => {
  it('runs again without spending its only attempt, and completes', async () => {
    const runs: string[] = [];
    const idle = async () => undefined;
    const handlers: JobHandlers = {
      [JOB.deliver]: async ({ grantId }) => {
        runs.push(grantId);
        if (runs.length < 3) throw new Error('Command timed out');
      },
      [JOB.refresh]: idle,
      [JOB.usage]: idle,
      [JOB.auditFeed]: idle,
      [JOB.homes]: idle,
      [JOB.click]: idle,
    };
    jobs.start(handlers);
    const job = await jobs.queue.add(JOB.deliver, { grantId: 'g_stall' }, { attempts: 1 });

    // Completed jobs are removed (removeOnComplete), failed ones kept: a finished job reads as 'unknown'.
    await expect
      .poll(async () => ['failed', 'unknown'].includes(await job.getState()), {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(true);
    expect(await job.getState()).toBe('unknown');
    expect(runs).toEqual(['g_stall', 'g_stall', 'g_stall']);
  }, 60_000);
});
