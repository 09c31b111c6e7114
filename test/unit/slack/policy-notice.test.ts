// The refused-policy notice on a real Redis: once per refused version for a fleet of instances, again for a new
// mistake, once when a good file is back; retried through Slack's waits; the mark given back if nobody got it.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/lib/logger.js';
import { PolicyNotices } from '../../../src/slack/policy-notice.js';
import { deleteKeys, testRedis } from '../../support/redis.js';

const redis = testRedis();
const prefix = `cs-test-${randomUUID().slice(0, 8)}:`;
afterAll(async () => {
  redis.disconnect();
  await deleteKeys([`${prefix}*`]);
});

function instance(post: (channel: string, text: string) => Promise<void>) {
  return new PolicyNotices({
    redis,
    prefix,
    admins: async () => ['U0CAROL', 'U0DANA'],
    auditChannel: 'C0AUDIT',
    post,
    logger: createLogger('silent'),
    attempts: 3,
  });
}

describe('PolicyNotices', () => {
  it('tells the audit channel and each admin once per refused version, however many instances see it', async () => {
    const posts: Array<[string, string]> = [];
    const post = async (channel: string, text: string) => void posts.push([channel, text]);
    const fleet = [instance(post), instance(post), instance(post)];
    const bad = ['policy.yml:4: rules[0].approvals: expected number'];
    await Promise.all(fleet.map((notices) => notices.refused(bad, 'v-good')));
    expect(posts.map(([channel]) => channel).sort()).toEqual(['C0AUDIT', 'U0CAROL', 'U0DANA']);
    expect(posts[0]![1]).toMatch(
      /POLICY_FILE was refused[\s\S]*v-good[\s\S]*policy\.yml:4: rules\[0\]\.approvals/,
    );

    // Another mistake is another notice; the good file back is said once.
    await Promise.all(
      fleet.map((notices) => notices.refused(['policy.yml:2: unknown key "rule"'], 'v-good')),
    );
    expect(posts).toHaveLength(6);
    await Promise.all(fleet.map((notices) => notices.restored(bad, 'v-new')));
    expect(posts.slice(6).map(([channel, text]) => [channel, /valid again.*v-new/.test(text)])).toEqual(
      expect.arrayContaining([
        ['C0AUDIT', true],
        ['U0CAROL', true],
        ['U0DANA', true],
      ]),
    );
    expect(posts).toHaveLength(9);
  });

  it('waits as Slack asks and tries again; gives the mark back when nobody got it', async () => {
    const got: string[] = [];
    let refusals = 0;
    const flaky = instance(async (channel) => {
      if (refusals++ < 3) throw Object.assign(new Error('retry after 5 ms'), { delayMs: 5 });
      got.push(channel);
    });
    await flaky.refused(['policy.yml:1: bad'], undefined);
    expect(got.sort()).toEqual(['C0AUDIT', 'U0CAROL', 'U0DANA']);

    const down = instance(async () => {
      throw Object.assign(new Error('slack down'), { delayMs: 1 });
    });
    await down.refused(['policy.yml:9: worse'], undefined);
    const later: string[] = [];
    await instance(async (channel) => void later.push(channel)).refused(['policy.yml:9: worse'], undefined);
    expect(later.sort()).toEqual(['C0AUDIT', 'U0CAROL', 'U0DANA']);
  });
});
