// The start-up persistence check: on a Redis that keeps its data nothing is said; without AOF or with an
// evicting policy one warning line each; where CONFIG is refused (managed services) one line saying so.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../src/lib/logger.js';
import { checkRedisPersistence } from '../../../src/ops/redis-persistence.js';
import { type PrivateRedis, startPrivateRedis } from '../../support/private-redis.js';

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = createLogger('silent');
  logger.warn = ((_fields: unknown, message?: string) => void warnings.push(message ?? '')) as Logger['warn'];
  return { logger, warnings };
}

let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis({ appendOnly: true });
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

describe('checkRedisPersistence', () => {
  it('says nothing on a Redis with AOF and noeviction', async () => {
    const client = new Redis(server.url);
    try {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      const { logger, warnings } = recordingLogger();
      expect(await checkRedisPersistence(client, logger)).toEqual({
        appendonly: 'yes',
        maxmemoryPolicy: 'noeviction',
      });
      expect(warnings).toEqual([]);

      // Without AOF and evicting: one line for each.
      await client.config('SET', 'appendonly', 'no');
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const second = recordingLogger();
      expect(await checkRedisPersistence(client, second.logger)).toEqual({
        appendonly: 'no',
        maxmemoryPolicy: 'allkeys-lru',
      });
      expect(second.warnings).toHaveLength(2);
      expect(second.warnings[0]).toMatch(/without AOF/);
      expect(second.warnings[1]).toMatch(/maxmemory-policy is not noeviction/);
    } finally {
      client.disconnect();
    }
  });

  it('says it could not check when CONFIG is refused', async () => {
    const refusing = {
      config: async () => {
        throw new Error("ERR unknown command 'CONFIG'");
      },
    };
    const { logger, warnings } = recordingLogger();
    expect(await checkRedisPersistence(refusing as never, logger)).toEqual({
      appendonly: null,
      maxmemoryPolicy: null,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Could not check Redis persistence/);
  });
});
