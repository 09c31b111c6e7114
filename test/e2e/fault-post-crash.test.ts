// Fault: the worker dies after Slack received chat.postMessage and before the message was recorded. After the
// restart the grant has exactly one message (the one posted before the crash, found by its metadata and
// adopted), and that message is the one that follows the grant's later changes.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../../src/sandbox/people.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { callTool, connectClient, textOf } from '../support/mcp-client.js';
import { type Environment, startEnvironment } from '../support/server-process.js';

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment(
    { SELF_APPROVE: 'read', REMINDER_AT: '0', DECISION_WINDOW: '10m' },
    { slack: 'http' },
  );
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

const slack = () => env.slack!;
const ofGrant = (grantId: string) =>
  slack()
    .messages('C0APPROVALS')
    .filter((m: SlackMessage) => !m.thread_ts && JSON.stringify(m.blocks).includes(grantId));

async function connect(): Promise<Client> {
  return connectClient(
    env.server.url,
    await env.workos.mintAccessToken(ALICE.id, { sid: 'session_e2e_crash' }),
  );
}

describe('a crash between chat.postMessage and recording the message', () => {
  it('leaves exactly one message, adopted after the restart and updated later', async () => {
    // The request post to the approvals channel is carried out, but its answer never reaches the worker.
    const held = slack().holdReply('chat.postMessage', (args) => args.channel === 'C0APPROVALS');
    let assistant = await connect();
    const result = await callTool(assistant, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url: `${env.demo.linearUrl}/graphql`,
      body: { query: 'mutation { issueArchive(id: "crash") { success } }' },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const grantId = (result.structuredContent as { requestId: string }).requestId;
    await held.arrived;
    expect(ofGrant(grantId)).toHaveLength(1);

    const dead = env.server.child;
    dead.kill('SIGKILL');
    if (dead.exitCode === null && dead.signalCode === null) await new Promise((r) => dead.once('exit', r));
    held.release();
    await assistant.close().catch(() => undefined);
    await env.restart();
    assistant = await connect();

    // The pending refresh, given back by the dead worker, runs again: it finds the message instead of posting.
    const check = async () =>
      (await callTool(assistant, 'check_access_request', { requestId: grantId })).structuredContent as {
        slack: { delivered: boolean };
      };
    await expect
      .poll(async () => (await check()).slack.delivered, { timeout: 120_000, interval: 500 })
      .toBe(true)
      .catch((e: unknown) => {
        console.log('OUTPUT', env.server.output().slice(-6000));
        throw e;
      });
    expect(ofGrant(grantId)).toHaveLength(1);
    const [message] = ofGrant(grantId);

    await slack().click({ as: 'U0BOB', channel: message!.channel, ts: message!.ts, actionId: 'cs_approve' });
    await expect
      .poll(() => ofGrant(grantId).map((m) => m.text), { timeout: 30_000, interval: 250 })
      .toEqual([expect.stringMatching(/approved/i)]);
    expect(ofGrant(grantId)[0]!.ts).toBe(message!.ts);
    expect(slack().calls('conversations.history').length).toBeGreaterThan(0);
    await assistant.close();
  }, 240_000);
});
