// Runs the official MCP conformance suite against a sandbox server, per protocol revision, and fails on any
// difference from test/conformance/expected.json.
// Usage: node scripts/mcp-conformance.mjs [--suite-version X] [--expected file.json] [--verbose]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITE = '@modelcontextprotocol/conformance';
/** The suite's build calls fs.globSync (Node 22+) and declares no engines field; raise this if it ever needs more. */
const MIN_NODE_MAJOR = 22;
const STARTUP_TIMEOUT_MS = 90_000;

const args = process.argv.slice(2);
const versionFlag = args.indexOf('--suite-version');
const suiteVersion = versionFlag >= 0 ? args[versionFlag + 1] : 'latest';
/** --verbose: also print everything the suite printed (otherwise only on failure). */
const verbose = args.includes('--verbose');
const expectedFlag = args.indexOf('--expected');
const expectedFile =
  expectedFlag >= 0 ? args[expectedFlag + 1] : join(ROOT, 'test/conformance/expected.json');
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'countersign-conformance-'));
const cleanups = [() => rmSync(work, { recursive: true, force: true })];
let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[conformance] ${error instanceof Error ? error.stack : error}`);
} finally {
  const stopping = Date.now();
  for (const cleanup of cleanups.reverse()) await cleanup();
  console.log(`[conformance] cleaned up in ${Math.round((Date.now() - stopping) / 1000)} s`);
}
process.exit(exitCode);

async function main() {
  const started = Date.now();
  console.log(`[conformance] installing ${SUITE}@${suiteVersion} into ${work}`);
  await run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefix',
    join(work, 'suite'),
    `${SUITE}@${suiteVersion}`,
  ]);
  const suiteDir = join(work, 'suite/node_modules', SUITE);
  const suitePackage = JSON.parse(readFileSync(join(suiteDir, 'package.json'), 'utf8'));
  const suiteBin = join(suiteDir, suitePackage.bin.conformance);
  const node = await nodeFor(neededMajor(suitePackage.engines?.node));
  console.log(`[conformance] suite ${suitePackage.version}, running under ${await output(node, ['-v'])}`);

  const server = await startSandboxServer();
  cleanups.push(() => server.stop());
  const token = await sandboxToken(server.url);
  const revisions = expected.revisions;
  const listed = parseList(await output(node, [suiteBin, 'list', '--server']));
  const outcomes = {};
  const logs = {};
  const pinProblems = [];
  for (const revision of revisions) {
    // The suite's client always offers its newest revision; the proxy pins the one under test (see authProxy).
    const proxy = await authProxy(server.url, token, revision);
    const outDir = join(work, `results-${revision}`);
    const log = await output(
      node,
      [
        suiteBin,
        'server',
        '--url',
        `${proxy.url}/mcp`,
        '--suite',
        'all',
        '--spec-version',
        revision,
        '-o',
        outDir,
      ],
      { allowFailure: true },
    );
    await proxy.close();
    const answers = proxy.answers();
    console.log(
      `[conformance] ${revision}: initialize offers pinned to ${revision}, answered ${JSON.stringify(answers)}`,
    );
    for (const version of Object.keys(answers))
      if (!version.startsWith('refused') && version !== revision)
        pinProblems.push(
          `${revision}: the server negotiated ${version} instead (${answers[version]} time(s))`,
        );
    logs[revision] = log;
    if (verbose) console.log(`\n[conformance] suite output for ${revision}:\n${log}`);
    outcomes[revision] = readOutcomes(outDir);
    if (Object.keys(outcomes[revision]).length === 0)
      throw new Error(`the suite produced no results:\n${log}`);
  }
  const problems = [...pinProblems, ...compare(outcomes, listed)];
  console.log(`[conformance] done in ${Math.round((Date.now() - started) / 1000)} s`);
  if (problems.length > 0) {
    if (!verbose)
      for (const [revision, log] of Object.entries(logs))
        console.log(`\n[conformance] suite output for ${revision}:\n${log}`);
    console.error(`[conformance] FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('[conformance] every scenario matches test/conformance/expected.json');
  return 0;
}

/** The lowest major that satisfies the suite's engines field (">=22", "^24.1") and our floor. */
function neededMajor(range) {
  const declared = Number(/(\d+)/.exec(range ?? '')?.[1] ?? 0);
  return Math.max(declared, MIN_NODE_MAJOR);
}

/** This Node when new enough; otherwise the official build from the npm registry, for the suite alone. */
async function nodeFor(major) {
  if (Number(process.versions.node.split('.')[0]) >= major) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  console.log(
    `[conformance] Node ${process.versions.node} is too old for the suite: installing ${pkg}@${major}`,
  );
  const prefix = join(work, 'node');
  await run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefix',
    prefix,
    `${pkg}@${major}`,
  ]);
  const binary = join(prefix, 'node_modules', pkg, 'bin/node');
  if (!existsSync(binary)) throw new Error(`${pkg}@${major} has no bin/node`);
  return binary;
}

/** The real server in sandbox mode (no credentials), on a free port and a Redis prefix of its own. */
async function startSandboxServer() {
  const port = await freePort();
  const prefix = `conformance:${randomBytes(4).toString('hex')}:`;
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), SANDBOX: 'true' };
  Object.assign(env, { PORT: String(port), REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', SHUTDOWN_GRACE: '1s' });
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), STARTUP_TIMEOUT_MS);
    const onData = (chunk) => {
      log += chunk;
      const match = /countersign listening on (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await dropKeys(prefix);
    },
  };
}

/** Removes what the run left in Redis (sessions, audit), so the shared instance does not collect it. */
async function dropKeys(prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // The sandbox fell back to a private Redis (now gone) or Redis went away: nothing left to drop.
  } finally {
    redis.disconnect();
  }
}

async function sandboxToken(serverUrl) {
  const response = await fetch(`${serverUrl}/sandbox/token`);
  if (!response.ok) throw new Error(`GET /sandbox/token answered ${response.status}`);
  return (await response.json()).token;
}

/**
 * The suite's CLI has no way to send credentials to a server under test (no header option, no environment
 * variable), so a loopback proxy adds our sandbox bearer token. Host and Origin pass through untouched, so the
 * DNS-rebinding scenario still reaches our host guard. The suite's client offers its newest revision at
 * initialize; the proxy rewrites that offer to the revision under test, so the session really runs on it.
 */
async function authProxy(serverUrl, token, revision) {
  const target = new URL(serverUrl);
  /** What the server answered to each pinned initialize: its protocolVersion, or the HTTP status it refused with. */
  const answers = {};
  const tally = (key) => {
    answers[key] = (answers[key] ?? 0) + 1;
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const pinnedBody = pinRevision(body, revision);
      const initialize = pinnedBody !== body;
      body = pinnedBody;
      const headers = { ...req.headers, 'content-length': String(body.length) };
      if (!headers.authorization) headers.authorization = `Bearer ${token}`;
      const upstream = request(
        { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          if (!initialize) return;
          let text = '';
          answer.on('data', (chunk) => {
            text += chunk;
          });
          // JSON or one SSE event: either way the answer names the negotiated revision once.
          answer.on('end', () =>
            tally(/"protocolVersion":"([^"]+)"/.exec(text)?.[1] ?? `refused ${answer.statusCode}`),
          );
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${server.address().port}`,
    answers: () => answers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pinRevision(body, revision) {
  if (body.length === 0) return body;
  try {
    const message = JSON.parse(body.toString('utf8'));
    if (message?.method !== 'initialize' || !message.params) return body;
    message.params.protocolVersion = revision;
    return Buffer.from(JSON.stringify(message));
  } catch {
    return body;
  }
}

/** scenario → { ok, failed: [check ids with why] } from the suite's output folder (one folder per scenario). */
function readOutcomes(outDir) {
  const outcomes = {};
  if (!existsSync(outDir)) return outcomes;
  for (const folder of readdirSync(outDir)) {
    const file = join(outDir, folder, 'checks.json');
    if (!existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, 'utf8'));
    // Folders are named server-<scenario>-<ISO timestamp with dashes>.
    const name = /^server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(folder)?.[1] ?? folder;
    // The suite's own rule: a FAILURE or a WARNING fails the scenario.
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    outcomes[name] = {
      ok: bad.length === 0,
      failed: bad.map((c) => `${c.id}: ${c.errorMessage ?? c.status}`),
    };
  }
  return outcomes;
}

/** `conformance list --server` prints "  - name [rev1,rev2]": scenario → the revisions it belongs to. */
function parseList(text) {
  const listed = {};
  for (const match of text.matchAll(/^\s*- (\S+) \[([^\]]*)\]/gm)) listed[match[1]] = match[2].split(',');
  if (Object.keys(listed).length === 0) throw new Error(`could not read the suite's scenario list:\n${text}`);
  return listed;
}

function compare(outcomes, listed) {
  const problems = [];
  for (const [revision, results] of Object.entries(outcomes)) {
    const entries = Object.entries(results).sort(([a], [b]) => a.localeCompare(b));
    const passed = entries.filter(([, r]) => r.ok).length;
    console.log(`\n[conformance] revision ${revision}: ${passed} of ${entries.length} scenarios pass`);
    for (const [scenario, result] of entries) {
      const want = expected.scenarios[scenario];
      const got = result.ok ? 'pass' : 'fail';
      console.log(
        `  ${got === 'pass' ? 'PASS' : 'fail'}  ${scenario}${result.ok ? '' : `  (${result.failed[0]})`}`,
      );
      if (!want) {
        console.log(`        new scenario, not in expected.json: add it`);
        if (!result.ok)
          problems.push(`${revision} ${scenario}: new scenario fails (${result.failed.join('; ')})`);
      } else if (want.expect === 'pass' && !result.ok) {
        problems.push(`${revision} ${scenario}: REGRESSION (${result.failed.join('; ')})`);
      } else if (want.expect === 'fail' && result.ok) {
        problems.push(`${revision} ${scenario}: now passes; mark it "pass" in expected.json and the README`);
      }
    }
    for (const [scenario, want] of Object.entries(expected.scenarios)) {
      if (!listed[scenario])
        console.log(`  gone  ${scenario}: the suite no longer has it; remove it from expected.json`);
      const applies = listed[scenario]?.includes(revision) ?? true;
      if (applies && want.expect === 'pass' && !results[scenario])
        problems.push(`${revision} ${scenario}: expected to pass but the suite did not run it`);
    }
  }
  return problems;
}

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function run(command, commandArgs) {
  return output(command, commandArgs).then(() => undefined);
}

/** Runs a command, returning its combined output; rejects on a non-zero exit unless told otherwise. */
function output(command, commandArgs, { allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      text += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 || allowFailure) resolve(text.trim());
      else reject(new Error(`${command} ${commandArgs.join(' ')} exited with ${code}:\n${text}`));
    });
  });
}
