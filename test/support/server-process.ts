// Starts the real server process (src/main.ts through tsx) with stand-ins' settings, for end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { slotTag } from '../../src/redis/key-slot.js';
import { startDemoProvider } from '../../src/sandbox/demo-provider.js';
import {
  SANDBOX_SLACK_USERS,
  type SlackStandIn,
  type SlackUser,
  startSlackStandIn,
} from '../../src/sandbox/slack/index.js';
import { startWorkosStandIn } from '../../src/sandbox/workos/index.js';
import { deleteKeys, redisEnv } from './redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  timeoutMs?: number;
  /** Command-line arguments, e.g. ['--role=worker']. */
  args?: string[];
  /** Run the build (`node dist/main.js`, after `npm run build`) instead of `tsx src/main.ts`. */
  compiled?: boolean;
  /**
   * Stop keeping the output once started (it is drained, as a log collector would): a server logging every call
   * at info level would otherwise grow this process's copy without bound.
   */
  dropOutputAfterStart?: boolean;
}

/** Spawns `tsx src/main.ts` and resolves once it prints its listening line (or, for a worker, its running line). */
export async function spawnServer(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  // Starting tsx and the app takes a few seconds on a quiet machine; leave room for a 4x slower one.
  const timeoutMs = options.timeoutMs ?? 60_000;
  const entry = options.compiled ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /countersign listening on (http:\/\/\S+)|countersign worker running/.exec(output);
      if (match) {
        clearTimeout(timer);
        if (options.dropOutputAfterStart) {
          child.stdout!.off('data', onData).resume();
          child.stderr!.off('data', onData).resume();
        }
        resolve(match[1] ?? '');
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Environment {
  workos: Awaited<ReturnType<typeof startWorkosStandIn>>;
  demo: Awaited<ReturnType<typeof startDemoProvider>>;
  server: ServerProcess;
  /** Starts the server again on the same port and settings (after it was stopped or killed). */
  restart(): Promise<ServerProcess>;
  /** A further server process on the same Redis prefix and stand-ins, on its own port. */
  another(env?: Record<string, string>, args?: string[]): Promise<ServerProcess>;
  /** The Slack stand-in, when the environment was started with Slack. */
  slack: SlackStandIn | null;
  prefix: string;
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  /** Start a Slack stand-in and wire the server to it over HTTP (signed requests) or Socket Mode. */
  slack?: 'http' | 'socket';
  /** Channels the bot is invited to (default: the approvals and audit channels it is configured with). */
  slackBotIn?: string[];
  /** How the server process is spawned (the build or tsx, output kept or drained): see SpawnOptions. */
  spawn?: Pick<SpawnOptions, 'compiled' | 'dropOutputAfterStart'>;
}

export const CLIENT_ID = 'client_e2e';

/** WorkOS and provider stand-ins in this process, the real server in a child process, its own Redis prefix. */
export async function startEnvironment(
  extraEnv: Record<string, string> = {},
  options: EnvironmentOptions = {},
): Promise<Environment> {
  const apiKey = `sk_test_${randomBytes(8).toString('hex')}`;
  const workos = await startWorkosStandIn({ clientId: CLIENT_ID, apiKey });
  const demo = await startDemoProvider({ tokenCheck: (bearer) => workos.issuedProviderTokens(bearer) });
  const prefix = `cs-e2e-${randomUUID().slice(0, 8)}:`;
  const port = await freePort();
  const slack = options.slack ? await startSlackFor(options.slack, port, options.slackBotIn) : null;
  const serverEnv: Record<string, string> = {
    PORT: String(port),
    SANDBOX: 'false',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...redisEnv(),
    REDIS_PREFIX: prefix,
    WORKOS_API_KEY: apiKey,
    WORKOS_CLIENT_ID: CLIENT_ID,
    WORKOS_API_URL: workos.url,
    AUTH_ISSUER: workos.issuer,
    AUTH_JWKS_URL: workos.jwksUrl,
    APPROVAL_TOKEN_SECRET: randomBytes(32).toString('hex'),
    COOKIE_SECRET: randomBytes(32).toString('hex'),
    LINEAR_API_URL: demo.linearUrl,
    NOTION_API_URL: demo.notionUrl,
    SNOWFLAKE_ACCOUNT_URL: demo.snowflakeUrl,
    UPSTREAM_ALLOW_LOOPBACK_HTTP: 'true',
    APPROVER_EMAILS: 'bob@sandbox.test',
    ...(slack ? slack.env : {}),
    ...extraEnv,
  };
  const servers = [await spawnServer(serverEnv, options.spawn)];
  if (slack?.standIn && options.slack === 'socket') await slack.standIn.waitForSocket(30_000);
  return {
    workos,
    demo,
    get server() {
      return servers[0]!;
    },
    slack: slack?.standIn ?? null,
    prefix,
    async restart() {
      const [first] = servers;
      await first?.stop();
      servers[0] = await spawnServer(serverEnv, options.spawn);
      return servers[0];
    },
    async another(env = {}, args = []) {
      const process = await spawnServer({ ...serverEnv, PORT: String(await freePort()), ...env }, { args });
      servers.push(process);
      return process;
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await slack?.standIn.close();
      await demo.close();
      await workos.close();
      // Also the audit stream's once-marks, tagged with the stream's name: `{<prefix>audit}:once:…`.
      await deleteKeys([`${prefix}*`, `${slotTag(prefix, 'jobs')}*`, `{${prefix}audit}:*`]);
    },
  };
}

/**
 * A second approver and the admin, in Slack only, so two approvers can race and roles differ. Her profile
 * shows no email (as Slack does for guests or when an admin hides them): every Slack path must cope.
 */
export const CAROL: SlackUser = {
  id: 'U0CAROL',
  name: 'carol',
  real_name: 'Carol Chen',
  is_bot: false,
  deleted: false,
  title: 'approver',
};

/** A Slack stand-in and the server settings that point at it. Approvers: the @approvers group (Bob) and Carol. */
async function startSlackFor(mode: 'http' | 'socket', port: number, botIn?: string[]) {
  const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
  const appToken = `xapp-e2e-${randomBytes(8).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const standIn = await startSlackStandIn({
    botToken,
    signingSecret,
    people: [...SANDBOX_SLACK_USERS.filter((user) => user.id !== CAROL.id), CAROL],
    botIn: botIn ?? ['C0APPROVALS', 'C0GENERAL'],
    ...(mode === 'socket' ? { appToken } : { eventsUrl: `http://127.0.0.1:${port}/slack/events` }),
  });
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: standIn.apiUrl,
    SLACK_TEAM_ID: standIn.teamId,
    APPROVERS: `S0APPROVERS,${CAROL.id}`,
    ADMINS: CAROL.id,
    APPROVALS_CHANNEL: 'C0APPROVALS',
    AUDIT_CHANNEL: 'C0GENERAL',
  };
  if (mode === 'socket') env.SLACK_APP_TOKEN = appToken;
  return { standIn, env };
}

/**
 * A port nobody listens on right now, so the server's public URL is known before it starts. Taken below Linux's
 * ephemeral range (32768-60999): a port the kernel handed out (listen(0)) and released can be handed out again, to
 * any outgoing connection of the suite, before the server binds it ("port … is in use" at start). Random, so
 * parallel test files seldom meet; probed, so one in use is skipped.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return listenAndRelease(0);
}

function canListen(port: number): Promise<boolean> {
  return listenAndRelease(port).then(
    () => true,
    () => false,
  );
}

function listenAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => {
      const bound = (probe.address() as { port: number }).port;
      probe.close(() => resolve(bound));
    });
  });
}

/** Removes what a test run left in Redis under its own prefixes (on every master of a cluster). */
export { deleteKeys };
