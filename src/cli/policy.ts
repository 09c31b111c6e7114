// `npm run policy -- check [FILE]` validates a policy file; `npm run policy -- explain …` runs a hypothetical
// request through it (or through the environment's default policy) and says which rules applied and why not.
// Exit 0 fine, 1 the policy has errors, 2 bad arguments.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, policySettings } from '../config.js';
import type { CompiledPolicy } from '../grants/rules/compile.js';
import { evaluatePolicy, type PolicyRequest } from '../grants/rules/evaluate.js';
import { describeMismatch, describeOutcome, summarizePolicy } from '../grants/rules/explain.js';
import { policyFromSettings } from '../grants/rules/from-settings.js';
import { formatPolicyError } from '../grants/rules/load.js';
import { policyWarnings } from '../grants/rules/warnings.js';
import type { HttpMethod } from '../grants/types.js';
import { readPolicyFile } from '../lib/policy-file.js';

export const POLICY_USAGE = `Usage:
  npm run policy -- check [FILE]
  npm run policy -- explain --requester EMAIL --provider P[,P…] --level read|write
                            [--kind session|call --method M --url URL] [--client NAME]
                            [--org ORG_ID] [--slack-user U…] [--slack-group S…]… [--at ISO-TIME] [--file FILE]

FILE defaults to POLICY_FILE; with neither, the environment settings (SELF_APPROVE, APPROVERS, …) are the policy.
`;

type Out = (line: string) => void;

export function runPolicyCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
  err: Out,
): number {
  const [command, ...rest] = argv;
  if (command === 'check') return check(rest, env, out, err);
  if (command === 'explain') return explain(rest, env, out, err);
  if (command === '--help' || command === '-h' || command === 'help') {
    out(POLICY_USAGE);
    return 0;
  }
  err(`policy: ${command ? `unknown command "${command}"` : 'a command is needed'}\n${POLICY_USAGE}`);
  return 2;
}

function check(args: string[], env: Record<string, string | undefined>, out: Out, err: Out): number {
  if (args.length > 1 || args[0]?.startsWith('-')) {
    err(`policy check: expected at most one FILE\n${POLICY_USAGE}`);
    return 2;
  }
  const policy = loadPolicy(args[0], env, err);
  if (typeof policy === 'number') return policy;
  for (const line of summarizePolicy(policy)) out(line);
  for (const warning of policyWarnings(policy)) out(`warning: ${warning}`);
  return 0;
}

function explain(args: string[], env: Record<string, string | undefined>, out: Out, err: Out): number {
  let values: Record<string, string | string[] | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        requester: { type: 'string' },
        provider: { type: 'string', multiple: true },
        level: { type: 'string' },
        kind: { type: 'string' },
        method: { type: 'string' },
        url: { type: 'string' },
        client: { type: 'string' },
        org: { type: 'string' },
        'slack-user': { type: 'string' },
        'slack-group': { type: 'string', multiple: true },
        at: { type: 'string' },
        file: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    err(`policy explain: ${(error as Error).message}\n${POLICY_USAGE}`);
    return 2;
  }
  const request = toRequest(values);
  if (typeof request === 'string') {
    err(`policy explain: ${request}\n${POLICY_USAGE}`);
    return 2;
  }
  const policy = loadPolicy(values.file as string | undefined, env, err);
  if (typeof policy === 'number') return policy;
  const at = values.at ? Date.parse(values.at as string) : Date.now();
  const outcome = evaluatePolicy(policy, request.request, at);

  out(summarizePolicy(policy)[0]!);
  out(`request: ${request.text} at ${new Date(at).toISOString()}`);
  out(`matching rules: ${outcome.rules.length > 0 ? outcome.rules.join(', ') : 'none'}`);
  for (const line of describeOutcome(outcome)) out(line);
  if (outcome.notMatched.length > 0) {
    out('rules that did not apply:');
    for (const { rule, field } of outcome.notMatched) {
      out(`  ${rule.id}: ${describeMismatch(rule, field, request.request)}`);
    }
  }
  return 0;
}

function toRequest(
  values: Record<string, string | string[] | undefined>,
): { request: PolicyRequest; text: string } | string {
  const one = (name: string) => values[name] as string | undefined;
  const requester = one('requester');
  if (!requester) return '--requester EMAIL is required';
  const providers = ((values.provider as string[] | undefined) ?? [])
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  if (providers.length === 0) return '--provider is required';
  const level = one('level');
  if (level !== 'read' && level !== 'write') return '--level must be read or write';
  const kind = one('kind') ?? (one('method') || one('url') ? 'call' : 'session');
  if (kind !== 'session' && kind !== 'call') return '--kind must be session or call';
  let call: PolicyRequest['call'] = null;
  if (kind === 'call') {
    const method = one('method')?.toUpperCase();
    const url = one('url');
    if (!method || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method) || !url) {
      return '--kind call needs --method GET|POST|PUT|PATCH|DELETE and --url';
    }
    call = { method: method as HttpMethod, url };
  }
  const at = one('at');
  if (at !== undefined && Number.isNaN(Date.parse(at))) return `--at: not a time: "${at}"`;
  const request: PolicyRequest = {
    providers,
    level,
    kind,
    requester: {
      email: requester,
      organizationId: one('org') ?? null,
      slackUserId: one('slack-user') ?? null,
      slackGroups: (values['slack-group'] as string[] | undefined) ?? [],
    },
    clientName: one('client') ?? null,
    call,
  };
  const what = call ? `${call.method} ${call.url}` : `${level} on ${providers.join(', ')}`;
  return {
    request,
    text: `${requester} asks ${kind === 'call' ? `one call ${what} (${providers.join(', ')})` : what}`,
  };
}

/** The file given, else POLICY_FILE, else the environment's settings. A number is the exit code. */
function loadPolicy(
  file: string | undefined,
  env: Record<string, string | undefined>,
  err: Out,
): CompiledPolicy | number {
  let configured: ReturnType<typeof policySettings>;
  try {
    configured = policySettings(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`policy: invalid configuration: ${error.problems.join('; ')}`);
    return 2;
  }
  const path = file ?? configured.file;
  if (!path) return policyFromSettings(configured.settings);
  const load = readPolicyFile(path);
  if (!load.ok) {
    for (const error of load.errors) err(formatPolicyError(error));
    err(`policy: ${load.errors.length} error(s) in ${path}`);
    return 1;
  }
  return load.policy;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runPolicyCli(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}
