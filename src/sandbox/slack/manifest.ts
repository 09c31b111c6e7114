// What the repo's manifest.yml tells Slack about the app: the bot scopes it is granted at install and whether
// /countersign's text is escaped, read once so the stand-in behaves as Slack does for the app we ship.
import { readFileSync } from 'node:fs';

export interface ManifestFacts {
  botScopes: string[];
  shouldEscape: boolean;
}

const MANIFEST_URL = new URL('../../../manifest.yml', import.meta.url);

/** The bot scopes and should_escape of a manifest's YAML (the small subset our manifest uses). */
export function manifestFacts(yaml: string): ManifestFacts {
  const lines = yaml.split('\n');
  const botScopes: string[] = [];
  const start = lines.findIndex((l) => /^\s+bot:\s*$/.test(l));
  if (start >= 0) {
    const indent = /^\s*/.exec(lines[start]!)![0].length;
    for (const line of lines.slice(start + 1)) {
      const item = /^(\s*)-\s*([a-z:.\-_]+)/.exec(line);
      if (!item || item[1]!.length <= indent) break;
      botScopes.push(item[2]!);
    }
  }
  return { botScopes, shouldEscape: /^\s*should_escape:\s*true\b/m.test(yaml) };
}

let cached: ManifestFacts | null = null;

export function repoManifest(): ManifestFacts {
  cached ??= manifestFacts(readFileSync(MANIFEST_URL, 'utf8'));
  return cached;
}
