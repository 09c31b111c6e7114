// Starts the consent pages for a test: real Redis store, real WorkOS SDK against the stand-in, real HTTP.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AuditEvent, AuditSink } from '../../src/audit/audit-log.js';
import type { Config } from '../../src/config.js';
import { RedisGrantStore } from '../../src/grants/redis-store.js';
import type { Grant, SessionIdentity } from '../../src/grants/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { createWorkos } from '../../src/pipes/workos-client.js';
import { ALICE, type SandboxPerson } from '../../src/sandbox/people.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../src/sandbox/workos/index.js';
import { issueApprovalToken } from '../../src/web/approval-token.js';
import { createConsentRouter } from '../../src/web/consent-router.js';
import { deleteKeys, testRedis } from './redis.js';
import { WebBrowser } from './web-browser.js';
import { webTestConfig } from './web-config.js';

const MINUTE = 60_000;
const PROVIDER_NAMES: Record<string, string> = { linear: 'Linear', notion: 'Notion', snowflake: 'Snowflake' };

export interface WebHarness {
  url: string;
  config: Config;
  store: RedisGrantStore;
  standIn: WorkosStandIn;
  /** The clock the store and the router share: real time plus whatever `advance` added. */
  now(): number;
  advance(ms: number): void;
  /** Every audit event the router recorded, oldest first. */
  audit: AuditEvent[];
  /** A browser signed in as `person` through the stand-in's AuthKit, via login_hint. */
  signedIn(person: SandboxPerson): Promise<WebBrowser>;
  /** The requester's MCP session: a fresh sid each time, so grants never supersede each other by accident. */
  ownerOf(person?: SandboxPerson): SessionIdentity;
  broad(options?: {
    level?: 'read' | 'write';
    providers?: string[];
    durationMs?: number;
    owner?: SessionIdentity;
  }): Promise<Grant>;
  request(options?: { level?: 'read' | 'write'; body?: string | null }): Promise<Grant>;
  tokenFor(grant: Grant, expiresAt?: number): Promise<string>;
  close(): Promise<void>;
}

export interface WebHarnessOptions {
  policy?: Partial<Config['policy']>;
}

export async function startWebHarness(options: WebHarnessOptions = {}): Promise<WebHarness> {
  const clientId = 'client_web_test';
  const apiKey = 'sk_test_web';
  const prefix = `cs-web-test-${randomUUID()}:`;
  const standIn = await startWorkosStandIn({ clientId, apiKey });

  // Listen first: the router's configuration needs the public URL, which needs the port.
  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let offset = 0;
  const now = () => Date.now() + offset;
  const config = webTestConfig({
    publicUrl: url,
    workosUrl: standIn.url,
    clientId,
    apiKey,
    redisPrefix: prefix,
    policy: options.policy,
  });
  const redis = testRedis();
  const store = new RedisGrantStore(redis, {
    prefix,
    retentionMs: config.durations.retentionMs,
    sessionTtlMs: config.durations.sessionTtlMs,
    decisionWindowMs: config.durations.decisionWindowMs,
    maxAccessMs: config.durations.maxAccessMs,
    now,
  });
  const audit: AuditEvent[] = [];
  const sink: AuditSink = { record: (event) => void audit.push(event) };
  app.use(
    createConsentRouter({
      config,
      store,
      workos: createWorkos(config.workos),
      audit: sink,
      providerNames: (id) => PROVIDER_NAMES[id] ?? id,
      logger: createLogger('silent'),
      now,
    }),
  );

  const ownerOf = (person: SandboxPerson = ALICE): SessionIdentity => ({
    sid: `session_${randomUUID()}`,
    organizationId: person.organizationId,
    userId: person.id,
    userEmail: person.email,
  });

  return {
    url,
    config,
    store,
    standIn,
    now,
    advance: (ms) => {
      offset += ms;
    },
    audit,
    ownerOf,
    async signedIn(person) {
      const browser = new WebBrowser(url);
      const page = await browser.visit(`/auth/sign-in?login_hint=${encodeURIComponent(person.email)}`);
      if (page.status !== 200 || !page.url.endsWith('/auth/session')) {
        throw new Error(`sign-in as ${person.email} ended at ${page.url} with ${page.status}`);
      }
      return browser;
    },
    async broad({ level = 'write', providers = ['linear', 'notion'], durationMs = 15 * MINUTE, owner } = {}) {
      const { grant } = await store.createBroad({
        owner: owner ?? ownerOf(),
        clientName: 'claude-code',
        reason: 'Triage the <b>backlog</b> & tidy labels',
        level,
        providers,
        durationMs,
      });
      return grant;
    },
    async request({
      level = 'write',
      body = '{"query":"mutation { issueCreate(input: {title: \\"Hi\\"}) { success } }"}',
    } = {}) {
      return store.createRequest({
        owner: ownerOf(),
        clientName: 'cursor',
        reason: 'File the bug we found',
        level,
        provider: 'linear',
        request: { method: 'POST', url: 'https://api.linear.app/graphql', body },
      });
    },
    tokenFor: (grant, expiresAt = grant.decideBy) =>
      issueApprovalToken(config.secrets.approvalToken, {
        grantId: grant.id,
        userId: grant.owner.userId,
        expiresAt,
      }),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      await deleteKeys([`${prefix}*`]);
      await redis.quit();
      await standIn.close();
    },
  };
}
