// The sandbox's local data folder: small JSON files (keys, secrets, client registrations) that survive a restart.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';

export interface DataFolder {
  /** Absolute path, for the banner. */
  path: string;
  /** The file's content if it exists and matches the schema; null when missing or unreadable (then rewritten). */
  read<T>(name: string, schema: z.ZodType<T>): T | null;
  /** Writes atomically (a half-written file after a crash would lose every registration), owner-only. */
  write(name: string, value: unknown): void;
}

/** Opens (creating if needed) the folder; it ignores itself in git, whatever the repository's .gitignore says. */
export function openDataFolder(dir: string): DataFolder {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  writeFileSync(join(path, '.gitignore'), '# Sandbox keys and secrets: never commit.\n*\n');
  return {
    path,
    read(name, schema) {
      let text: string;
      try {
        text = readFileSync(join(path, name), 'utf8');
      } catch {
        return null;
      }
      try {
        const parsed = schema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
    write(name, value) {
      const target = join(path, name);
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, target);
    },
  };
}
