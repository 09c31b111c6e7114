// The sandbox data folder: owner-only files written whole, git-ignored, and a damaged file read as missing.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDataFolder } from '../../../src/sandbox/data-folder.js';

const schema = z.object({ secret: z.string().min(3) });
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDataFolder', () => {
  it('writes owner-only JSON that reads back, and ignores itself in git', () => {
    dir = join(mkdtempSync(join(tmpdir(), 'data-folder-')), 'nested');
    const folder = openDataFolder(dir);
    expect(folder.read('a.json', schema)).toBeNull();
    folder.write('a.json', { secret: 'abc' });
    expect(folder.read('a.json', schema)).toEqual({ secret: 'abc' });
    expect(statSync(join(dir, 'a.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('reads a damaged or foreign-shaped file as missing, so the caller makes a fresh one', () => {
    dir = mkdtempSync(join(tmpdir(), 'data-folder-'));
    const folder = openDataFolder(dir);
    writeFileSync(join(dir, 'half.json'), '{"secret": "ab');
    writeFileSync(join(dir, 'short.json'), '{"secret": "ab"}');
    expect(folder.read('half.json', schema)).toBeNull();
    expect(folder.read('short.json', schema)).toBeNull();
  });
});
