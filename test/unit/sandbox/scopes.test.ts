// The stand-in grants the bot exactly the scopes manifest.yml asks for, so a method whose scope the manifest
// lacks fails in tests (missing_scope) as it would in a workspace installed from that manifest.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SANDBOX_BOT_SCOPES } from '../../../src/sandbox/slack/index.js';

/** The `oauth_config.scopes.bot` list of manifest.yml (one `- scope # comment` per line). */
function manifestBotScopes(): string[] {
  const text = readFileSync(new URL('../../../manifest.yml', import.meta.url), 'utf8');
  const section = /\n {4}bot:\n((?: {6}- .*\n)+)/.exec(text)?.[1] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {6}- ([a-z:._]+)/.exec(line)?.[1])
    .filter((s): s is string => Boolean(s));
}

describe('bot scopes', () => {
  it('are the same in manifest.yml and the Slack stand-in', () => {
    const manifest = manifestBotScopes();
    expect(manifest).toContain('chat:write');
    expect([...SANDBOX_BOT_SCOPES].sort()).toEqual(manifest.sort());
  });
});
