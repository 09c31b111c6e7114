// End to end under a POLICY_FILE: a request spanning providers governed by different rules (every rule must be
// satisfied, the message says what each provider still needs, approvers narrow to what they may approve), and
// rules with hours that exclude now (outsideHours: deny refuses; needs-approval asks people instead of approving).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';
import { clickApprove, messageOf, nextNotice, shown } from '../support/slack-requests.js';

const ZONE = 'Asia/Tokyo';
const pad = (n: number) => String(n).padStart(2, '0');
/** A half-hour window twelve hours from now in ZONE, on every day: certainly not now, for the whole run. */
function hoursNotNow(): string {
  const hourNow = Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' }).format(
      new Date(),
    ),
  );
  const hour = (hourNow + 12) % 24;
  return `{ timezone: ${ZONE}, days: [mon, tue, wed, thu, fri, sat, sun], from: "${pad(hour)}:00", to: "${pad(hour)}:30" }`;
}

const POLICY = () => `version: 1
rules:
  - id: snowflake-write-data-team
    match: { providers: [snowflake], level: write }
    approvals: 2
    approvers: { slackGroups: [S0DATATEAM] }
    channel: C0APPROVALS
  - id: linear-write-dana
    match: { providers: [linear], level: write }
    approvers: { slackUsers: [U0DANA] }
    channel: C0APPROVALS
  - id: notion-write-office-hours
    match: { providers: [notion], level: write }
    selfApprove: write
    hours: ${hoursNotNow()}
    outsideHours: deny
  - id: notion-read-office-hours
    match: { providers: [notion], level: read }
    decision: approve
    hours: ${hoursNotNow()}
    outsideHours: needs-approval
  - id: everything-else
    fallback: true
    approvers: { slackGroups: [S0APPROVERS] }
    channel: C0APPROVALS
`;

let env: Environment;
let assistant: Client;
const [BOB_ID, CAROL_ID, DANA_ID] = ['U0BOB', 'U0CAROL', 'U0DANA'];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-policy-spanning-'));
  writeFileSync(join(dir, 'policy.yml'), POLICY());
  env = await startEnvironment(
    { POLICY_FILE: join(dir, 'policy.yml'), REQUESTS_PER_MINUTE: '200' },
    { slack: 'http' },
  );
  assistant = await connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_spanning' }),
    'claude-code',
  );
}, 120_000);
afterAll(async () => {
  await assistant?.close();
  await env?.stop();
});

const slack = () => env.slack!;
type Structured = Record<string, unknown> & {
  requestId: string;
  status: string;
  providers: string[];
  policy: { rules: string[]; decidedByRule: string | null; stillNeeded: string | null; approvals: unknown[] };
};

async function request(args: Record<string, unknown>) {
  const result = await callTool(assistant, 'request_elevated_access', args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return { ...(result.structuredContent as Structured), text: textOf(result) };
}

const status = async (requestId: string) =>
  (await callTool(assistant, 'check_access_request', { requestId })).structuredContent as Structured;

describe('a request spanning providers governed by different rules', () => {
  it('says what each provider still needs and is approved only when every rule is satisfied', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake', 'linear'],
      reason: 'Quarter close',
    });
    expect(asked.status).toBe('pending');
    expect(asked.policy.rules).toEqual(['snowflake-write-data-team', 'linear-write-dana']);
    expect(asked.policy.stillNeeded).toBe(
      '2 more approvals from @S0DATATEAM for snowflake; 1 more approval from @U0DANA for linear',
    );
    const message = await messageOf(slack(), asked.requestId);
    expect(shown(message)).toMatch(/2 more approvals from .*S0DATATEAM.* for snowflake/);
    expect(shown(message)).toMatch(/1 more approval from .*U0DANA.* for linear/);

    // Dana may approve Linear only: her approval counts there, and Snowflake still needs both of its own.
    await clickApprove(slack(), DANA_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).policy.approvals.length).toBe(1);
    const afterDana = await status(asked.requestId);
    expect(afterDana.status).toBe('pending');
    expect(afterDana.policy.stillNeeded).toBe('2 more approvals from @S0DATATEAM for snowflake');
    await messageOf(slack(), asked.requestId, (m) => m.ts === message.ts && !/for linear/.test(shown(m)));

    await clickApprove(slack(), BOB_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).policy.approvals.length).toBe(2);
    const afterBob = await status(asked.requestId);
    expect(afterBob.status).toBe('pending');
    expect(afterBob.policy.stillNeeded).toBe('1 more approval from @S0DATATEAM for snowflake');

    await clickApprove(slack(), CAROL_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
    expect([...(await status(asked.requestId)).providers].sort()).toEqual(['linear', 'snowflake']);
    await callTool(assistant, 'release_access');
  }, 120_000);

  it('an approver narrows to the providers they may approve; one who may approve none of them is refused', async () => {
    const asked = await request({
      kind: 'session',
      level: 'write',
      providers: ['snowflake', 'linear'],
      reason: 'Only the tickets',
    });
    const message = await messageOf(slack(), asked.requestId);
    // Bob is on the data team, not a Linear approver: narrowing to Linear leaves him nothing to approve.
    const bobSeen = slack().ephemerals(BOB_ID).length;
    await clickApprove(slack(), BOB_ID, message, { cs_providers: ['linear'] });
    expect(
      await nextNotice(slack(), BOB_ID, /can't decide this request: only a configured approver/, bobSeen),
    ).toBeTruthy();
    expect((await status(asked.requestId)).policy.approvals).toHaveLength(0);
    // Dana narrows to Linear: Snowflake is dropped, and Linear's one rule is satisfied by her.
    await clickApprove(slack(), DANA_ID, message, { cs_providers: ['linear'] });
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
    expect((await status(asked.requestId)).providers).toEqual(['linear']);
    await callTool(assistant, 'release_access');
  }, 120_000);
});

describe('hours that exclude now', () => {
  it('outsideHours: deny refuses the request, saying it is outside the rule’s hours', async () => {
    const denied = await request({ kind: 'session', level: 'write', providers: ['notion'] });
    expect(denied.status).toBe('denied');
    expect(denied.policy.decidedByRule).toBe('notion-write-office-hours');
    expect(denied.text).toMatch(/rule notion-write-office-hours allows this only within its hours/);
  }, 120_000);

  it('outsideHours: needs-approval sends it to approvers instead of approving it at once', async () => {
    const asked = await request({ kind: 'session', level: 'read', providers: ['notion'] });
    expect(asked.status).toBe('pending');
    expect(asked.policy.decidedByRule).toBeNull();
    // The fallback rule names who approves when the hours rule (which names nobody) asks for people.
    expect(asked.policy.stillNeeded).toBe('1 more approval from @S0APPROVERS for notion');
    const message = await messageOf(slack(), asked.requestId);
    expect(message.channel).toBe('C0APPROVALS');
    await clickApprove(slack(), BOB_ID, message);
    await expect.poll(async () => (await status(asked.requestId)).status).toBe('approved');
    await callTool(assistant, 'release_access');
  }, 120_000);
});
