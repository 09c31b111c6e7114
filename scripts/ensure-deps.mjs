// Installs dependencies when node_modules is missing or was installed from another lockfile, so that
// `npm start` and `npm test` each work by themselves on a fresh clone.
//
// A lockfile newer than the install is not enough: a checkout or a rebase that rewrites package-lock.json with
// the same text must not run `npm ci`, which deletes node_modules first and pulls it from under any process
// using it (a running bench or test). So a newer lockfile also has to differ from the one last installed from,
// whose hash is kept in node_modules (an install made without this script, CI's own `npm ci` or an
// `npm install`, writes npm's marker after the lockfile, and its lockfile's hash is recorded then).
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

const lockfile = 'package-lock.json';
const installed = 'node_modules/.package-lock.json';
const recorded = 'node_modules/.countersign-lockfile-sha256';

const lockHash = createHash('sha256').update(readFileSync(lockfile)).digest('hex');

function stale() {
  if (!existsSync(installed)) return true;
  if (statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs) return false;
  return !existsSync(recorded) || readFileSync(recorded, 'utf8').trim() !== lockHash;
}

if (stale()) {
  console.log('[countersign] installing dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
writeFileSync(recorded, `${lockHash}\n`);
