// A complete Config for the web consent tests, built as a literal so tests never depend on the environment.
import type { Config } from '../../src/config.js';
import { REDIS_URL } from './redis.js';

const MINUTE = 60_000;

export interface WebConfigOptions {
  publicUrl: string;
  workosUrl: string;
  clientId: string;
  apiKey: string;
  redisPrefix: string;
  policy?: Partial<Config['policy']>;
  durations?: Partial<Config['durations']>;
}

export function webTestConfig(options: WebConfigOptions): Config {
  return {
    env: 'test',
    logLevel: 'silent',
    host: '127.0.0.1',
    port: Number(new URL(options.publicUrl).port),
    publicUrl: options.publicUrl,
    allowedHosts: ['127.0.0.1', 'localhost'],
    redis: { url: REDIS_URL, prefix: options.redisPrefix },
    sandbox: true,
    workos: {
      apiKey: options.apiKey,
      clientId: options.clientId,
      apiUrl: options.workosUrl,
      redirectUri: `${options.publicUrl}/auth/callback`,
    },
    auth: {
      issuer: options.workosUrl,
      jwksUrl: `${options.workosUrl}/oauth2/jwks`,
      audience: undefined,
      authorizationServer: options.workosUrl,
    },
    secrets: {
      approvalToken: 'approval-token-secret-for-web-tests-0123456789',
      cookie: 'cookie-secret-for-web-tests-0123456789-abcdef',
    },
    durations: {
      decisionWindowMs: 5 * MINUTE,
      defaultAccessMs: 5 * MINUTE,
      maxAccessMs: 60 * MINUTE,
      retentionMs: 24 * 60 * MINUTE,
      sessionTtlMs: 7 * 24 * 60 * MINUTE,
      userCacheMs: 5 * MINUTE,
      ...options.durations,
    },
    policy: {
      selfApprove: 'write',
      approverEmails: ['bob@sandbox.test'],
      requestsPerMinute: 20,
      ...options.policy,
    },
    role: 'all',
    jobs: { reminderAt: null, usageRefreshMs: 5000 },
    limits: {
      redisCommandTimeoutMs: 2000,
      maxInflightRequests: 256,
      maxActiveRequests: 4,
      maxQueueWaitMs: 5000,
      maxLongPollsPerUser: 4,
      shutdownGraceMs: 10_000,
    },
    slack: null,
    providers: {
      linearUrl: 'https://api.linear.app',
      notionUrl: 'https://api.notion.com',
      notionVersion: '2025-09-03',
      snowflakeUrl: undefined,
    },
    upstream: { timeoutMs: 30_000, maxResponseBytes: 1024 * 1024, allowLoopbackHttp: false },
  };
}
