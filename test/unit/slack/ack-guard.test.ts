// Slack interactions are acknowledged in time whatever the listener waits on: a failed listener still acks with
// a word for the person, a slow slash command is acked with "working on it" and its answer follows through the
// response_url.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App, ReceiverEvent } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/lib/logger.js';
import { FAILED_TEXT, guardAcks, WORKING_TEXT } from '../../../src/slack/ack-guard.js';

const BUDGET_MS = 100;
let responses: unknown[] = [];
let server: Server;
let responseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(() => {
  server.close();
});

/** A stand-in for Bolt's App: processEvent runs one listener and, like Bolt, swallows its error. */
function appWith(listener: (ack: ReceiverEvent['ack']) => Promise<void>) {
  const app = {
    processEvent: async (event: ReceiverEvent) => {
      await listener(event.ack).catch(() => undefined);
    },
  };
  guardAcks(app as unknown as App, createLogger('silent'), BUDGET_MS);
  return app;
}

async function deliver(app: ReturnType<typeof appWith>, body: Record<string, unknown>) {
  const acks: unknown[] = [];
  responses = [];
  await app.processEvent({
    body,
    ack: async (response?: unknown) => void acks.push(response),
  } as ReceiverEvent);
  return acks;
}

const command = () => ({ command: '/countersign', text: 'list', response_url: responseUrl });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('guardAcks', () => {
  it('leaves a listener that acks in time alone', async () => {
    const app = appWith(async (ack) => {
      await ack({ response_type: 'ephemeral', text: 'two grants' });
    });
    expect(await deliver(app, command())).toEqual([{ response_type: 'ephemeral', text: 'two grants' }]);
    expect(responses).toEqual([]);
  });

  it('acks a command whose listener failed before acking, with a word for the person', async () => {
    const app = appWith(async () => {
      throw new Error('Command timed out');
    });
    expect(await deliver(app, command())).toEqual([{ response_type: 'ephemeral', text: FAILED_TEXT }]);
  });

  it('acks a click whose listener failed, without a body', async () => {
    const app = appWith(async () => {
      throw new Error('Command timed out');
    });
    expect(await deliver(app, { type: 'block_actions', actions: [] })).toEqual([undefined]);
  });

  it('acks a slow command on time and sends its late answer to the response_url', async () => {
    const app = appWith(async (ack) => {
      await sleep(BUDGET_MS * 3);
      await ack({ response_type: 'ephemeral', text: 'two grants' });
    });
    expect(await deliver(app, command())).toEqual([{ response_type: 'ephemeral', text: WORKING_TEXT }]);
    expect(responses).toEqual([{ response_type: 'ephemeral', text: 'two grants' }]);
  });

  it('tells the person when a slow command then fails', async () => {
    const app = appWith(async () => {
      await sleep(BUDGET_MS * 3);
      throw new Error('Command timed out');
    });
    expect(await deliver(app, command())).toEqual([{ response_type: 'ephemeral', text: WORKING_TEXT }]);
    expect(responses).toEqual([{ response_type: 'ephemeral', text: FAILED_TEXT }]);
  });
});
