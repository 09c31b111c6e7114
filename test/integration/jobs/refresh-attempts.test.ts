// A refresh job is given attempts for the whole GRANT_RETENTION, so a long Slack outage does not leave a decided
// message stale once a minute of retries is used up.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { attemptsWithin, GrantJobs } from '../../../src/jobs/grant-jobs.js';
import { jobId } from '../../../src/jobs/names.js';
import { createLogger } from '../../../src/lib/logger.js';
import { testRedis } from '../../support/redis.js';

const connection = testRedis({ maxRetriesPerRequest: null });
const jobs = new GrantJobs({
  connection,
  prefix: `{cs-it-attempts-${randomBytes(4).toString('hex')}-jobs}`,
  logger: createLogger('silent'),
  retentionMs: 3_600_000,
});

afterAll(async () => {
  await jobs.queue.obliterate({ force: true });
  await jobs.close();
  await connection.quit();
});

describe('refresh attempts', () => {
  it('cover the grant retention', async () => {
    await jobs.changed('g_attempts', 'approved');
    const job = await jobs.queue.getJob(jobId.refresh('g_attempts', 'approved'));
    expect(job?.opts.attempts).toBe(attemptsWithin(3_600_000));
    expect(job!.opts.attempts!).toBeGreaterThan(100);
  });
});
