// The server's command line as a newcomer meets it: usage on --help, refusals that say what is wrong.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../support/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', REDIS_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('command line', () => {
  it('prints the usage for --help and exits 0 without starting anything', async () => {
    const { code, output } = await run(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('Usage: npm start');
    expect(output).toContain('--role=ROLE');
    expect(output).not.toContain('listening');
  }, 60_000);

  it('refuses an unknown argument with the usage, exit 2', async () => {
    const { code, output } = await run(['--rol=web']);
    expect(code).toBe(2);
    expect(output).toContain('unknown argument "--rol=web"');
    expect(output).toContain('Usage: npm start');
  }, 60_000);

  it('echoes a bad PORT value', async () => {
    const { code, output } = await run([], { PORT: 'abc' });
    expect(code).toBe(1);
    expect(output).toContain('PORT: "abc" is not a port number');
  }, 60_000);
});

describe('a port already in use', () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('says so in words and exits 1', async () => {
    const { code, output } = await run([], { PORT: String(port), LOG_LEVEL: 'warn' });
    expect(code).toBe(1);
    expect(output).toContain(`port ${port} is in use on 127.0.0.1`);
    expect(output).not.toContain('TypeError');
  }, 90_000);
});
