// The validated configuration the server runs with (src/config.ts builds it from the environment).
import type { CompiledPolicy } from '../grants/rules/compile.js';
import type { RedisSettings } from '../redis/settings.js';

export type Level = 'read' | 'write';

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  port: number;
  /** Base URL people and clients reach us at, without trailing slash. */
  publicUrl: string;
  allowedHosts: string[];
  /** Single node at `url`, or a Redis Cluster when `cluster` is set (REDIS_CLUSTER_NODES). */
  redis: RedisSettings;
  sandbox: boolean;
  workos: { apiKey: string; clientId: string; apiUrl: string; redirectUri: string };
  auth: { issuer: string; jwksUrl: string; audience: string | undefined; authorizationServer: string };
  secrets: { approvalToken: string; cookie: string };
  durations: {
    decisionWindowMs: number;
    defaultAccessMs: number;
    maxAccessMs: number;
    retentionMs: number;
    /** Audit stream entries older than this are trimmed (loadConfig always sets it; AuditLog defaults to 30d). */
    auditRetentionMs?: number;
    /** Size guard on the audit stream (AUDIT_MAX_ENTRIES; loadConfig always sets it; AuditLog defaults to 5M). */
    auditMaxEntries?: number;
    sessionTtlMs: number;
    userCacheMs: number;
  };
  policy: {
    selfApprove: Level | 'none';
    approverEmails: string[];
    requestsPerMinute: number;
    /** POLICY_FILE, when set. */
    file?: string;
    /**
     * The approval rules in force: POLICY_FILE's (validated at start, replaced on reload by
     * src/lib/policy-reload.ts), else the settings above as one fallback rule. Read through policyInForce.
     */
    rules?: CompiledPolicy;
  };
  /** `web` serves HTTP and relays events; `worker` runs the jobs; `all` (default) does both. */
  role: 'all' | 'web' | 'worker';
  jobs: {
    /** Share of the decision window (0-1) after which approvers are reminded once; null for never. */
    reminderAt: number | null;
    /** An approved message shows its usage, re-rendered at most this often. */
    usageRefreshMs: number;
  };
  /** Null when no Slack bot token is set: consent then happens on the web page only. */
  slack: SlackConfig | null;
  providers: {
    linearUrl: string;
    notionUrl: string;
    notionVersion: string;
    snowflakeUrl: string | undefined;
  };
  upstream: { timeoutMs: number; maxResponseBytes: number; allowLoopbackHttp: boolean };
  /** Fail fast and bounded: a slow Redis or a flood turns into 503s, never into hung or piled-up requests. */
  limits: {
    /** Longest a request waits for one Redis answer before it answers `unavailable` (default 2 s). */
    redisCommandTimeoutMs: number;
    /** MCP requests in flight on this instance, long polls included; more get 503 (default 256). */
    maxInflightRequests: number;
    /**
     * MCP requests worked on at once (default 4); more wait their turn in arrival order. Time spent waiting on a
     * provider, WorkOS or a person does not count; back from such a wait a request goes ahead of the line.
     */
    maxActiveRequests: number;
    /** Longest a request waits for its turn before it answers 503 (default 5 s). */
    maxQueueWaitMs: number;
    /** check_access_request calls with waitSeconds one person holds open on this instance (default 4). */
    maxLongPollsPerUser: number;
    /** Upper bound on a graceful shutdown; it ends as soon as the work is done (default 10 s). */
    shutdownGraceMs: number;
  };
}

export interface SlackConfig {
  botToken: string;
  /** HTTP mode verifies request signatures with it; unused in Socket Mode. */
  signingSecret: string | undefined;
  /** Set = Socket Mode (no public URL needed). */
  appToken: string | undefined;
  apiUrl: string;
  /** Clicks from any other workspace are refused. Learned from auth.test when not set. */
  teamId: string | undefined;
  botId: string | undefined;
  botUserId: string | undefined;
  /** Slack user ids (U…/W…) and user-group ids (S…) allowed to approve anyone's request. */
  approverUsers: string[];
  approverGroups: string[];
  /** Slack user ids and user-group ids who see and may revoke every grant, and read the audit. */
  adminUsers: string[];
  adminGroups: string[];
  approvalsChannel: string | undefined;
  auditChannel: string | undefined;
  /** Remind in self-approval DMs too (the requester already knows, so off by default). */
  remindInDm: boolean;
}
