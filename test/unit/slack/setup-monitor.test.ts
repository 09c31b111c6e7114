// The self-check's monitor: each new problem logged once, the admins DMed once per set of problems (a
// fleet-wide mark), and nothing said when all is well.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/lib/logger.js';
import type { SelfCheckInput } from '../../../src/slack/self-check.js';
import { SlackSetupMonitor } from '../../../src/slack/setup-monitor.js';

function world(member: { C0APPROVALS: boolean }) {
  const marks = new Set<string>();
  const dms: Array<[string, string]> = [];
  const warnings: string[] = [];
  const client = {
    auth: { test: async () => ({ ok: true, user: 'countersign' }) },
    conversations: {
      info: async ({ channel }: { channel: string }) => ({
        ok: true,
        channel: { id: channel, name: 'access-approvals', is_member: member.C0APPROVALS },
      }),
    },
    usergroups: { users: { list: async () => ({ ok: true, users: ['U0BOB'] }) } },
  } as unknown as SelfCheckInput['client'];
  const logger = {
    warn: (_obj: unknown, msg: string) => warnings.push(msg),
    info: () => undefined,
  } as unknown as Logger;
  const monitor = new SlackSetupMonitor({
    client,
    slack: { approvalsChannel: 'C0APPROVALS', auditChannel: undefined, approverGroups: [], adminGroups: [] },
    httpMode: false,
    redis: {
      set: (async (key: string) => {
        if (marks.has(key)) return null;
        marks.add(key);
        return 'OK';
      }) as never,
    },
    prefix: 't:',
    admins: async () => ['U0CAROL'],
    dm: async (user, text) => void dms.push([user, text]),
    logger,
    now: () => 1_000,
  });
  return { monitor, dms, warnings };
}

describe('SlackSetupMonitor', () => {
  it('logs a problem once and DMs the admins once, however often it checks', async () => {
    const member = { C0APPROVALS: false };
    const { monitor, dms, warnings } = world(member);
    await monitor.runNow();
    await monitor.runNow();
    expect(warnings).toEqual([expect.stringMatching(/^Slack setup: The bot is not in #access-approvals/)]);
    expect(dms).toEqual([['U0CAROL', expect.stringMatching(/needs attention[\s\S]*\/invite @countersign/)]]);
    expect(monitor.report()?.problems).toHaveLength(1);

    member.C0APPROVALS = true;
    await monitor.runNow();
    expect(monitor.report()?.problems).toEqual([]);
    expect(dms).toHaveLength(1);
  });
});
