// Process entry: configuration (sandbox stand-ins when no credentials are set) → server; graceful shutdown.
import { parseArguments, USAGE } from './cli-arguments.js';
import { ConfigError, loadConfig, wantsSandbox } from './config.js';
import { type Sandbox, startSandbox } from './sandbox/start-sandbox.js';
import { StartupError, startServer } from './start.js';

/** Past the grace period, the last disconnects get this long before the process exits anyway. */
const FORCED_EXIT_MARGIN_MS = 1000;

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  if (args.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (args.kind === 'invalid') {
    console.error(`countersign: ${args.problem}\n\n${USAGE}`);
    process.exit(2);
  }
  const env: Record<string, string | undefined> = { ...process.env };
  if (args.role !== undefined) env.ROLE = args.role;
  let sandbox: Sandbox | null = null;
  if (wantsSandbox(env)) {
    sandbox = await startSandbox(env);
    Object.assign(env, sandbox.env);
  }

  const config = loadConfig(env);
  sandbox?.attach(config);
  const server = await startServer(config, sandbox ? [sandbox.router(config)] : []);
  const mcpUrl = `${config.publicUrl}/mcp`;
  // One plain line that scripts (and our end-to-end tests) can wait for.
  if (server.url) {
    server.logger.info(
      { url: server.url, mcpUrl, sandbox: config.sandbox, role: config.role },
      'countersign listening',
    );
    console.log(`countersign listening on ${server.url} (MCP endpoint ${mcpUrl})`);
    if (sandbox) console.log(await sandbox.banner(config));
  } else {
    server.logger.info({ role: config.role }, 'countersign worker running');
    console.log('countersign worker running (jobs only)');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    // Ctrl-C under `npm start` can arrive twice (the terminal's and the one tsx relays): one shutdown only.
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    server.logger.info({ signal }, 'shutting down');
    // The grace period bounds the whole shutdown, whatever step hangs (say, a quit on a stalled Redis).
    setTimeout(() => {
      server.logger.error({ graceMs: config.limits.shutdownGraceMs }, 'shutdown grace period over: exiting');
      process.exit(1);
    }, config.limits.shutdownGraceMs + FORCED_EXIT_MARGIN_MS).unref();
    await server.close();
    await sandbox?.close();
    server.logger.info({ ms: Math.round(performance.now() - started) }, 'shut down');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error('countersign: invalid configuration');
    for (const problem of error.problems) console.error(`  ${problem}`);
  } else if (error instanceof StartupError) {
    console.error(`countersign: ${error.message}`);
  } else {
    console.error('countersign: failed to start', error);
  }
  process.exit(1);
});
