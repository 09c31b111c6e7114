// Every bot scope manifest.yml asks for is used by our code: for each, a Web API method that needs it (or the
// slash command) and a place in src/ that calls it. An unused scope is one more thing an admin must grant.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestFacts } from '../../../src/sandbox/slack/manifest.js';
import { REQUIRED_BOT_SCOPES } from '../../../src/slack/bot-scopes.js';

/** Scope → how src/ uses it: a WebClient call (text that must appear in src/) and why. */
const USES: Record<string, { call: RegExp; why: string }> = {
  'chat:write': { call: /client\.chat\.postMessage\(/, why: 'request messages, DMs, audit lines' },
  'im:write': { call: /conversations\.open\(\{ users: channel \}\)/, why: 'a DM opened to read its history' },
  'mpim:write': { call: /conversations\.open\(\{ users: approvers\.join/, why: "the approvers' group DM" },
  'users:read': { call: /client\.users\.info\(/, why: 'who clicked' },
  'users:read.email': { call: /client\.users\.lookupByEmail\(/, why: "the requester's Slack account" },
  'usergroups:read': { call: /client\.usergroups\.users\.list\(/, why: 'APPROVERS / ADMINS groups' },
  'channels:read': { call: /client\.conversations\.info\(/, why: 'self-check: public channel membership' },
  'groups:read': { call: /client\.conversations\.info\(/, why: 'self-check: private channel membership' },
  'channels:history': { call: /client\.conversations\.history\(/, why: 'find or read back a channel post' },
  'groups:history': { call: /client\.conversations\.history\(/, why: 'the same in a private channel' },
  'im:history': { call: /client\.conversations\.history\(/, why: 'the same in a self-approval DM' },
  commands: { call: /app\.command\(/, why: '/countersign' },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path.includes('sandbox') ? [] : sources(path);
    return path.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('bot scopes in use', () => {
  const manifest = manifestFacts(readFileSync('manifest.yml', 'utf8')).botScopes;
  const src = sources('src').join('\n');

  it('asks for exactly the scopes the code needs, each with a use', () => {
    expect([...manifest].sort()).toEqual(Object.keys(USES).sort());
    expect([...REQUIRED_BOT_SCOPES].sort()).toEqual(Object.keys(USES).sort());
  });

  for (const [scope, use] of Object.entries(USES)) {
    it(`${scope}: ${use.why}`, () => {
      expect(src).toMatch(use.call);
    });
  }
});
