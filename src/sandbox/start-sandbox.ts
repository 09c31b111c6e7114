// Sandbox mode: local WorkOS and provider stand-ins (and Redis if needed), wired in place of the real services.

import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { type Config, ConfigError, sandboxSettings } from '../config.js';
import { SLACK_EVENTS_PATH } from '../slack/app.js';
import { type DataFolder, openDataFolder } from './data-folder.js';
import { startDemoProvider } from './demo-provider.js';
import { isLocalBrowserRequest } from './local-browser.js';
import { ALICE, SANDBOX_ADMIN_SLACK_IDS, SANDBOX_APPROVER_EMAILS, SANDBOX_ORGANIZATION } from './people.js';
import { type PrivateRedis, redisAnswers, startPrivateRedis } from './redis.js';
import { sandboxPage } from './sandbox-page.js';
import { SANDBOX_POLICY_FILE } from './sandbox-policy.js';
import { SANDBOX_SLACK_USERGROUPS, type SlackStandIn, startSlackStandIn } from './slack/index.js';
import { startWorkosStandIn } from './workos/index.js';

export interface Sandbox {
  /** Environment overrides that point Countersign at the stand-ins. */
  env: Record<string, string>;
  /** The local Slack, or null when real Slack credentials were given. */
  slack: SlackStandIn | null;
  /** Points the stand-ins at the server once its public URL is known. */
  attach(config: Config): void;
  router(config: Config): Router;
  banner(config: Config): Promise<string>;
  close(): Promise<void>;
}

/** The assistant's sandbox session: one AuthKit-style sid for Alice, so every token lands in the same session. */
const SANDBOX_SID = 'session_sandbox_alice';

export async function startSandbox(env: Record<string, string | undefined>): Promise<Sandbox> {
  let privateRedis: PrivateRedis | null = null;
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) {
    privateRedis = await startPrivateRedis();
    if (!privateRedis) {
      throw new Error(
        `Nothing answers at ${redisUrl} and redis-server is not installed. Start Redis or set REDIS_URL.`,
      );
    }
  }

  const settings = sandboxSettings(env);
  const dataFolder = openDataFolder(settings.dataDir);
  const secrets = sandboxSecrets(dataFolder);
  const clientId = 'client_sandbox';
  const { apiKey } = secrets;
  // A fixed port: it is the issuer of every token, so tokens and registrations outlive a restart.
  const workos = await startWorkosStandIn({ clientId, apiKey, port: settings.authPort, dataFolder }).catch(
    async (error: unknown) => {
      await privateRedis?.stop();
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
      throw new ConfigError([
        `SANDBOX_AUTH_PORT: port ${settings.authPort} (the sandbox sign-in server, PORT + 1 by default) is in use; free it or set another`,
      ]);
    },
  );
  const demo = await startDemoProvider({ tokenCheck: (bearer) => workos.issuedProviderTokens(bearer) });
  // Each token is a session of its own: two assistants (or a leaked token) never share one's grants.
  const mintToken = (config: Config) =>
    workos.mintAccessToken(ALICE.id, {
      sid: `${SANDBOX_SID}_${randomBytes(6).toString('hex')}`,
      orgId: SANDBOX_ORGANIZATION.id,
      expiresIn: '12h',
      // For our MCP URL only, as an OAuth token for the resource is (the server checks the audience).
      audience: `${config.publicUrl}/mcp`,
    });

  const overrides: Record<string, string> = {
    SANDBOX: 'true',
    HOST: '127.0.0.1',
    WORKOS_API_KEY: apiKey,
    WORKOS_CLIENT_ID: clientId,
    WORKOS_API_URL: workos.url,
    AUTH_ISSUER: workos.issuer,
    AUTH_JWKS_URL: workos.jwksUrl,
    APPROVAL_TOKEN_SECRET: secrets.approvalTokenSecret,
    COOKIE_SECRET: secrets.cookieSecret,
    LINEAR_API_URL: demo.linearUrl,
    NOTION_API_URL: demo.notionUrl,
    SNOWFLAKE_ACCOUNT_URL: demo.snowflakeUrl,
    UPSTREAM_ALLOW_LOOPBACK_HTTP: 'true',
    APPROVER_EMAILS: env.APPROVER_EMAILS ?? SANDBOX_APPROVER_EMAILS.join(','),
  };
  if (privateRedis) overrides.REDIS_URL = privateRedis.url;
  const slack = env.SLACK_BOT_TOKEN ? null : await startSandboxSlack(overrides, env.SELF_APPROVE);
  // The demo policy names the stand-in's groups and channel: only with it, and only if no policy was chosen.
  if (slack && !env.POLICY_FILE && !env.SELF_APPROVE) overrides.POLICY_FILE = SANDBOX_POLICY_FILE;

  return {
    env: overrides,
    slack,
    attach(config) {
      slack?.setEventsUrl(`${config.publicUrl}${SLACK_EVENTS_PATH}`);
    },
    router(config) {
      const router = Router();
      // Tokens only for someone at this machine's keyboard: a loopback peer, no proxy or tunnel header, and a
      // loopback Host (a tunnel to PUBLIC_URL would otherwise hand anyone a working token).
      router.get('/sandbox/token', async (req, res) => {
        if (!isLocalBrowserRequest(req)) {
          res.status(403).json({ error: 'loopback_only' });
          return;
        }
        res.setHeader('Cache-Control', 'no-store');
        res.json({ token: await mintToken(config), mcpUrl: `${config.publicUrl}/mcp` });
      });
      router.get('/sandbox', async (req, res) => {
        if (!isLocalBrowserRequest(req)) {
          res.status(403).send('loopback only');
          return;
        }
        res.setHeader('Cache-Control', 'no-store');
        res.type('html').send(sandboxPage(config, await mintToken(config), slack?.inboxUrl ?? null));
      });
      if (slack) router.get('/sandbox/slack', (_req, res) => res.redirect(302, slack.inboxUrl));
      return router;
    },
    async banner(config) {
      const token = await mintToken(config);
      const mcpUrl = `${config.publicUrl}/mcp`;
      return [
        '',
        '  SANDBOX MODE: no WorkOS credentials are set, so local stand-ins play WorkOS and the provider APIs.',
        `  Everything listens on loopback only. Guide: ${config.publicUrl}/sandbox`,
        '',
        `  MCP URL:      ${mcpUrl}`,
        `  Bearer token: ${token}`,
        `  (also at GET ${config.publicUrl}/sandbox/token; signed in as ${ALICE.email}, approver ${SANDBOX_APPROVER_EMAILS.join(', ')})`,
        '',
        ...(slack
          ? [
              `  Slack:        a local workspace at ${slack.inboxUrl}`,
              ...routeLines(config.policy.selfApprove, config.policy.file === SANDBOX_POLICY_FILE),
              '                view it as Dana (U0DANA), the admin, for every grant and the audit in the Home tab',
              '',
            ]
          : []),
        ...(privateRedis
          ? [
              `  Redis:        a private redis-server for this sandbox at ${privateRedis.url} (gone when it stops);`,
              `                read its audit with REDIS_URL=${privateRedis.url} npm run audit`,
              '',
            ]
          : []),
        `  Claude Code:  claude mcp add --transport http countersign ${mcpUrl}`,
        `                (no token needed: it signs in through ${workos.url}, pick Alice; or paste one with`,
        `                --header "Authorization: Bearer <token>")`,
        `  Kept in:      ${dataFolder.path} (signing keys, sign-ins and client registrations survive a restart)`,
        '',
      ].join('\n');
    },
    async close() {
      await slack?.close();
      await demo.close();
      await workos.close();
      await privateRedis?.stop();
    },
  };
}

const SECRETS_FILE = 'sandbox-secrets.json';
const secretsSchema = z.object({
  apiKey: z.string().startsWith('sk_sandbox_'),
  approvalTokenSecret: z.string().min(32),
  cookieSecret: z.string().min(32),
});

/** The stand-in API key and the web secrets, made once: consent links and sign-in cookies outlive a restart. */
function sandboxSecrets(folder: DataFolder): z.infer<typeof secretsSchema> {
  const saved = folder.read(SECRETS_FILE, secretsSchema);
  if (saved) return saved;
  const fresh = {
    apiKey: `sk_sandbox_${randomBytes(12).toString('hex')}`,
    approvalTokenSecret: randomBytes(32).toString('base64url'),
    cookieSecret: randomBytes(32).toString('base64url'),
  };
  folder.write(SECRETS_FILE, fresh);
  return fresh;
}

/**
 * Where a first request shows up: with the sandbox's own policy, as policy.sandbox.yml says; otherwise reads up
 * to SELF_APPROVE in Alice's own DM and the rest in #access-approvals.
 */
export function routeLines(selfApprove: string, sandboxPolicy = false): string[] {
  if (sandboxPolicy) {
    return [
      '                ask for read access to Linear (e.g. "list my Linear issues"): the sandbox policy approves it at once (rule alice-linear-read); Alice can revoke it from her DM',
      "                other reads (e.g. Notion): they wait in Alice's own DM, she approves them herself",
      '                writes (e.g. "create a Linear issue"): #access-approvals, view the inbox as Bob (U0BOB) to approve; a Snowflake write needs Bob and Carol (@data-team)',
    ];
  }
  const self =
    selfApprove === 'none'
      ? []
      : [
          `                ask for ${selfApprove === 'write' ? 'read or write' : 'read'} access (e.g. "list my Linear issues"): it waits in Alice's own DM, she approves it herself`,
        ];
  const team =
    selfApprove === 'write'
      ? []
      : [
          '                ask for write access (e.g. "create a Linear issue"): it goes to #access-approvals; view the inbox as Bob (U0BOB) to approve',
        ];
  return [...self, ...team];
}

/** A local Slack workspace in HTTP mode: Bob (through @approvers) approves in #access-approvals, audit in #general. */
async function startSandboxSlack(
  overrides: Record<string, string>,
  selfApprove: string | undefined,
): Promise<SlackStandIn> {
  const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  // The bot is invited to the two channels the app is pointed at, as an admin does after installing it.
  const slack = await startSlackStandIn({ botToken, signingSecret, botIn: ['C0APPROVALS', 'C0GENERAL'] });
  Object.assign(overrides, {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_TEAM_ID: slack.teamId,
    SLACK_BOT_ID: slack.bot.botId,
    SLACK_BOT_USER_ID: slack.bot.userId,
    APPROVERS: SANDBOX_SLACK_USERGROUPS.map((g) => g.id).join(','),
    // Dana, the admin: App Home shows her everything, and the self-check DMs her about setup problems.
    ADMINS: SANDBOX_ADMIN_SLACK_IDS.join(','),
    APPROVALS_CHANNEL: 'C0APPROVALS',
    // Reads go to the requester's DM, writes to the approvals channel: both routes show in the sandbox.
    SELF_APPROVE: selfApprove ?? 'read',
    AUDIT_CHANNEL: 'C0GENERAL',
  });
  return slack;
}
