// Redis memory per audit event, for sizing Redis against AUDIT_RETENTION and AUDIT_MAX_ENTRIES: writes realistic
// upstream-call events through AuditLog into a scratch stream and reads MEMORY USAGE. Runnable alone:
//   npx tsx bench/audit/audit-memory.ts [count]      (REDIS_URL as for the server; the scratch key is removed)
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { AuditLog } from '../../src/audit/audit-log.js';
import { createLogger } from '../../src/lib/logger.js';
import { REDIS_URL } from '../../test/support/redis.js';

/** One `api.call` event as call_integration_api records it (ids and lengths as in production). */
function upstreamCall(n: number) {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return {
    type: 'api.call' as const,
    callId: `call_${hex(8)}`,
    grantId: `g_${hex(6)}_${hex(5)}`,
    kind: 'broad' as const,
    userId: `user_01J${hex(12).toUpperCase()}`,
    userEmail: `person${n % 50}@example.com`,
    sid: `session_01J${hex(12).toUpperCase()}`,
    organizationId: 'org_01JABCDEFGHJKMNPQRSTVWXYZ',
    actor: { type: 'assistant' as const, id: `user_01J${hex(12).toUpperCase()}`, via: 'mcp' as const },
    provider: n % 2 ? 'linear' : 'notion',
    upstream: {
      method: n % 5 ? 'GET' : 'POST',
      host: n % 2 ? 'api.linear.app' : 'api.notion.com',
      path: n % 2 ? '/graphql' : `/v1/pages/${hex(16)}`,
      status: 200,
      durationMs: Math.round(Math.random() * 40_000) / 100,
    },
  };
}

export async function measureAuditMemory(
  count = 10_000,
): Promise<{ count: number; bytes: number; perEvent: number }> {
  const redis = new Redis(REDIS_URL);
  const key = `cs-bench-audit-${randomBytes(4).toString('hex')}:audit`;
  try {
    const log = new AuditLog(redis, key, createLogger('silent'));
    for (let n = 0; n < count; n++) {
      log.record(upstreamCall(n));
      // Let the pipeline drain now and then, as a server writing a few events a second would.
      if (n % 1000 === 999) await redis.ping();
    }
    await redis.ping();
    const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    return { count: await redis.xlen(key), bytes, perEvent: Math.round(bytes / count) };
  } finally {
    await redis.del(key);
    await redis.quit();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 10_000);
  const { bytes, perEvent } = await measureAuditMemory(count);
  console.log(`${count} upstream-call audit events: ${bytes} bytes in Redis, ${perEvent} bytes per event`);
}
