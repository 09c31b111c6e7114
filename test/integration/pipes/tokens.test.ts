// PipesTokens against the WorkOS stand-in: caching, shared fetches, not-connected and outage errors, no token leaks.
import type { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotConnectedError, PipesUnavailableError } from '../../../src/pipes/errors.js';
import { PipesTokens } from '../../../src/pipes/tokens.js';
import { createWorkos } from '../../../src/pipes/workos-client.js';
import { ALICE, BOB, MALLORY } from '../../../src/sandbox/people.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../../src/sandbox/workos/index.js';

const clientId = 'client_tokens_test';
const apiKey = 'sk_test_tokens_secret_key';
const ORG = 'org_sandbox';

let standIn: WorkosStandIn;
let workos: WorkOS;

beforeAll(async () => {
  standIn = await startWorkosStandIn({ clientId, apiKey });
  workos = createWorkos({ apiKey, clientId, apiUrl: standIn.url, redirectUri: 'http://127.0.0.1:9/cb' });
});
afterAll(() => standIn.close());

const tokenRequests = (provider: string) =>
  standIn.requestLog().filter((r) => r.path === `/data-integrations/${provider}/token`).length;

/** A clock the test moves by hand. */
function clock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Everything about an error a person or model could see. */
const visible = (error: unknown) => {
  const e = error as Error & Record<string, unknown>;
  return `${e.message} ${String(e)} ${JSON.stringify(e)} ${String(e.reason ?? '')} ${e.stack ?? ''}`;
};

describe('PipesTokens', () => {
  it('caches a token until shortly before it expires', async () => {
    const time = clock();
    const tokens = new PipesTokens(workos, { now: time.now });
    const before = tokenRequests('linear');
    const first = await tokens.get('linear', ALICE.id, ORG);
    expect(first).toMatch(/^sandbox_linear_/);
    expect(await tokens.get('linear', ALICE.id, ORG)).toBe(first);
    expect(tokenRequests('linear') - before).toBe(1);

    // The stand-in issues 1 h tokens; inside the 60 s margin the cache asks again.
    time.advance(58 * 60_000);
    expect(await tokens.get('linear', ALICE.id, ORG)).toBe(first);
    time.advance(90_000);
    const second = await tokens.get('linear', ALICE.id, ORG);
    expect(second).not.toBe(first);
    expect(tokenRequests('linear') - before).toBe(2);
  });

  it('keys the cache by provider, user and organization', async () => {
    const tokens = new PipesTokens(workos);
    const a = await tokens.get('linear', ALICE.id, ORG);
    const b = await tokens.get('linear', ALICE.id, null);
    const c = await tokens.get('notion', ALICE.id, ORG);
    const d = await tokens.get('linear', BOB.id, ORG);
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(tokens.size).toBe(4);
    expect(standIn.issuedProviderTokens(c)).toEqual({ provider: 'notion', userId: ALICE.id });
  });

  it('concurrent misses for one key share a single WorkOS call', async () => {
    const tokens = new PipesTokens(workos);
    const before = tokenRequests('notion');
    const results = await Promise.all(Array.from({ length: 8 }, () => tokens.get('notion', ALICE.id, ORG)));
    expect(new Set(results).size).toBe(1);
    expect(tokenRequests('notion') - before).toBe(1);
  });

  it('uses the fallback lifetime when WorkOS gives no expiry', async () => {
    const noExpiry = await startWorkosStandIn({ clientId, apiKey, providerTokenTtlMs: null });
    try {
      const time = clock();
      const client = createWorkos({
        apiKey,
        clientId,
        apiUrl: noExpiry.url,
        redirectUri: 'http://127.0.0.1:9/cb',
      });
      const tokens = new PipesTokens(client, { now: time.now, fallbackTtlMs: 10_000 });
      const first = await tokens.get('linear', ALICE.id, ORG);
      time.advance(9_999);
      expect(await tokens.get('linear', ALICE.id, ORG)).toBe(first);
      time.advance(1);
      expect(await tokens.get('linear', ALICE.id, ORG)).not.toBe(first);
    } finally {
      await noExpiry.close();
    }
  });

  it('invalidate() makes the next call fetch a new token', async () => {
    const tokens = new PipesTokens(workos);
    const first = await tokens.get('linear', BOB.id, ORG);
    tokens.invalidate('linear', BOB.id, ORG);
    expect(await tokens.get('linear', BOB.id, ORG)).not.toBe(first);
  });

  it('invalidating an old token keeps a newer one already cached', async () => {
    const tokens = new PipesTokens(workos);
    const first = await tokens.get('linear', BOB.id, null);
    tokens.invalidate('linear', BOB.id, null, first);
    const second = await tokens.get('linear', BOB.id, null);
    tokens.invalidate('linear', BOB.id, null, first); // a late 401 for the first token
    expect(await tokens.get('linear', BOB.id, null)).toBe(second);
  });

  it('a fetch under way when invalidated serves its callers but is not cached', async () => {
    const tokens = new PipesTokens(workos);
    const before = tokenRequests('notion');
    const pending = tokens.get('notion', ALICE.id, null);
    tokens.invalidate('notion', ALICE.id, null);
    const first = await pending;
    expect(await tokens.get('notion', ALICE.id, null)).not.toBe(first);
    expect(tokenRequests('notion') - before).toBe(2);
  });

  it('not connected: a coded NotConnectedError pointing at connect_integration', async () => {
    const tokens = new PipesTokens(workos);
    const error = await tokens.get('snowflake', ALICE.id, ORG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error).toMatchObject({ code: 'not_connected', provider: 'snowflake', safe: true });
    expect((error as Error).message).toContain('connect_integration');
  });

  it('needs reauthorization: its own code, and nothing cached from before leaks', async () => {
    const tokens = new PipesTokens(workos);
    const token = await tokens.get('linear', MALLORY.id, ORG).catch(() => null);
    expect(token).toBeNull(); // Mallory starts with nothing connected
    standIn.setConnection(MALLORY.id, 'linear', 'connected');
    const live = await tokens.get('linear', MALLORY.id, ORG);
    standIn.setConnection(MALLORY.id, 'linear', 'needs_reauthorization');
    tokens.invalidate('linear', MALLORY.id, ORG);
    const error = await tokens.get('linear', MALLORY.id, ORG).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'needs_reauthorization', provider: 'linear' });
    expect(visible(error)).not.toContain(live);
    standIn.setConnection(MALLORY.id, 'linear', null);
  });

  it('a bad API key (401) is PipesUnavailableError, without the key in it', async () => {
    const wrong = createWorkos({
      apiKey: 'sk_wrong_key_value',
      clientId,
      apiUrl: standIn.url,
      redirectUri: 'http://x/cb',
    });
    const error = await new PipesTokens(wrong).get('linear', ALICE.id, ORG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipesUnavailableError);
    expect(error).toMatchObject({
      code: 'pipes_unavailable',
      provider: 'linear',
      reason: 'UnauthorizedException (HTTP 401)',
    });
    expect(visible(error)).not.toContain('sk_wrong_key_value');
  });

  it('a WorkOS outage (503) and an unreachable WorkOS are PipesUnavailableError', async () => {
    const tokens = new PipesTokens(workos);
    standIn.setOutage(true);
    try {
      await expect(tokens.get('notion', BOB.id, ORG)).rejects.toMatchObject({
        code: 'pipes_unavailable',
        reason: 'GenericServerException (HTTP 503)',
      });
    } finally {
      standIn.setOutage(false);
    }
    const gone = createWorkos({ apiKey, clientId, apiUrl: 'http://127.0.0.1:1', redirectUri: 'http://x/cb' });
    await expect(new PipesTokens(gone).get('linear', ALICE.id, ORG)).rejects.toBeInstanceOf(
      PipesUnavailableError,
    );
  });

  it('refuses a provider that is not a slug before calling WorkOS', async () => {
    const tokens = new PipesTokens(workos);
    await expect(tokens.get('../user_management/users', ALICE.id, ORG)).rejects.toBeInstanceOf(TypeError);
  });
});
