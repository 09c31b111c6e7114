// The server's command line: `--role` and `--help`; anything else is refused with the usage, never ignored.

export const USAGE = `Usage: npm start [-- --role=web|worker|all]   (or: node dist/main.js …)

Runs Countersign. Every setting comes from the environment (see .env.example); with no
WORKOS_API_KEY (and NODE_ENV not production) it runs in sandbox mode on loopback, with local
stand-ins for WorkOS, Slack and the provider APIs.

  --role=ROLE   web (HTTP only), worker (background jobs only) or all (default; same as ROLE)
  --help, -h    print this and exit`;

export type Arguments =
  | { kind: 'run'; role: string | undefined }
  | { kind: 'help' }
  | { kind: 'invalid'; problem: string };

export function parseArguments(argv: string[]): Arguments {
  let role: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg.startsWith('--role=')) role = arg.slice('--role='.length);
    else if (arg === '--role' && argv[i + 1] !== undefined) role = argv[++i];
    else return { kind: 'invalid', problem: `unknown argument "${arg}"` };
  }
  return { kind: 'run', role };
}
