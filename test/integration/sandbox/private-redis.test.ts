// The sandbox's own redis-server keeps its data across restarts: AOF in its data folder, no eviction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../../src/sandbox/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-sandbox-redis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the sandbox private Redis', () => {
  it('comes back with its data after a restart, persisting with AOF and never evicting', async () => {
    const first = await startPrivateRedis(dir);
    expect(first).not.toBeNull();
    const a = new Redis(first!.url);
    try {
      expect(await a.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await a.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await a.set('cs:grant', 'kept');
    } finally {
      a.disconnect();
    }
    await first!.stop();

    const second = await startPrivateRedis(dir);
    const b = new Redis(second!.url);
    try {
      expect(await b.get('cs:grant')).toBe('kept');
    } finally {
      b.disconnect();
      await second!.stop();
    }
  }, 30_000);
});
