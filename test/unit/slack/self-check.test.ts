// The Slack self-check names each setup problem once, in a sentence an admin can act on; the scopes it
// expects are exactly those manifest.yml asks for.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestFacts } from '../../../src/sandbox/slack/manifest.js';
import { REQUIRED_BOT_SCOPES } from '../../../src/slack/bot-scopes.js';
import { NO_EVENT_AFTER_MS, type SelfCheckInput, slackSelfCheck } from '../../../src/slack/self-check.js';

const refused = (error: string) =>
  Object.assign(new Error(error), { code: 'slack_webapi_platform_error', data: { ok: false, error } });

interface FakeSlack {
  scopes?: string[];
  auth?: string;
  channels?: Record<string, { name: string; is_member: boolean; is_archived?: boolean }>;
  groups?: Record<string, string[]>;
}

function fakeClient(fake: FakeSlack): SelfCheckInput['client'] {
  return {
    auth: {
      test: async () => {
        if (fake.auth) throw refused(fake.auth);
        return {
          ok: true,
          user: 'countersign',
          response_metadata: { scopes: fake.scopes ?? [...REQUIRED_BOT_SCOPES] },
        };
      },
    },
    conversations: {
      info: async ({ channel }: { channel: string }) => {
        const found = fake.channels?.[channel];
        if (!found) throw refused('channel_not_found');
        return { ok: true, channel: { id: channel, ...found } };
      },
    },
    usergroups: {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          const users = fake.groups?.[usergroup];
          if (!users) throw refused('no_such_subteam');
          return { ok: true, users };
        },
      },
    },
  } as unknown as SelfCheckInput['client'];
}

const slack = {
  approvalsChannel: 'C0APPROVALS',
  auditChannel: 'C0GENERAL',
  approverGroups: ['S0APPROVERS'],
  adminGroups: [],
};
const healthy: FakeSlack = {
  channels: {
    C0APPROVALS: { name: 'access-approvals', is_member: true },
    C0GENERAL: { name: 'general', is_member: true },
  },
  groups: { S0APPROVERS: ['U0BOB'] },
};
const check = (fake: FakeSlack, events: SelfCheckInput['events'] = null, now = 1_000_000) =>
  slackSelfCheck({ client: fakeClient(fake), slack, events, now });

describe('slackSelfCheck', () => {
  it('finds nothing wrong with a healthy install', async () => {
    expect((await check(healthy)).problems).toEqual([]);
  });

  it('names the channels the bot was not invited to, archived ones and missing ones', async () => {
    const { problems } = await check({
      ...healthy,
      channels: { C0APPROVALS: { name: 'access-approvals', is_member: false } },
    });
    expect(problems.map((p) => p.key)).toEqual(['not_in_channel:C0APPROVALS', 'channel_not_found:C0GENERAL']);
    expect(problems[0]!.message).toMatch(
      /not in #access-approvals \(APPROVALS_CHANNEL\).*\/invite @countersign/,
    );
    const archived = await check({
      ...healthy,
      channels: { ...healthy.channels, C0GENERAL: { name: 'general', is_member: true, is_archived: true } },
    });
    expect(archived.problems.map((p) => p.key)).toEqual(['is_archived:C0GENERAL']);
  });

  it('names missing scopes, unreadable groups, and a refused token (then nothing else)', async () => {
    const { problems } = await check({ ...healthy, scopes: ['chat:write', 'commands'], groups: {} });
    expect(problems[0]!.message).toMatch(/lacks the scopes im:write, mpim:write, users:read/);
    expect(problems[1]!.key).toBe('group:S0APPROVERS:no_such_subteam');
    const bad = await check({ ...healthy, auth: 'invalid_auth' });
    expect(bad.problems).toEqual([
      { key: 'auth:invalid_auth', message: expect.stringMatching(/SLACK_BOT_TOKEN/) },
    ]);
  });

  it('says when no signed request has arrived some minutes after start (HTTP mode only)', async () => {
    const startedAt = 1_000_000;
    const late = startedAt + NO_EVENT_AFTER_MS;
    expect((await check(healthy, { startedAt, lastEventAt: null }, late - 1)).problems).toEqual([]);
    expect((await check(healthy, { startedAt, lastEventAt: null }, late)).problems.map((p) => p.key)).toEqual(
      ['no_events'],
    );
    expect((await check(healthy, { startedAt, lastEventAt: startedAt + 10 }, late)).problems).toEqual([]);
  });

  it('expects exactly the bot scopes manifest.yml asks for', () => {
    const manifest = manifestFacts(readFileSync('manifest.yml', 'utf8'));
    expect([...REQUIRED_BOT_SCOPES].sort()).toEqual([...manifest.botScopes].sort());
  });
});
