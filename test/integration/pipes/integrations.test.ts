// listIntegrations and connectUrl against the WorkOS stand-in (raw data_providers and authorize calls).
import type { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipesUnavailableError } from '../../../src/pipes/errors.js';
import { connectUrl, listIntegrations } from '../../../src/pipes/integrations.js';
import { PipesTokens } from '../../../src/pipes/tokens.js';
import { createWorkos } from '../../../src/pipes/workos-client.js';
import { ALICE, MALLORY } from '../../../src/sandbox/people.js';
import { startWorkosStandIn, type WorkosStandIn } from '../../../src/sandbox/workos/index.js';

const clientId = 'client_integrations_test';
const apiKey = 'sk_test_integrations';

let standIn: WorkosStandIn;
let workos: WorkOS;

beforeAll(async () => {
  standIn = await startWorkosStandIn({ clientId, apiKey });
  workos = createWorkos({ apiKey, clientId, apiUrl: standIn.url, redirectUri: 'http://127.0.0.1:9/cb' });
});
afterAll(() => standIn.close());

describe('listIntegrations', () => {
  it('lists every configured integration with the user connection state', async () => {
    const list = await listIntegrations(workos, ALICE.id, 'org_sandbox');
    expect(list).toEqual([
      { slug: 'linear', name: 'Linear', status: 'connected', connected: true, scopes: ['read', 'write'] },
      { slug: 'notion', name: 'Notion', status: 'connected', connected: true, scopes: [] },
      {
        slug: 'snowflake',
        name: 'Snowflake',
        status: 'not_connected',
        connected: false,
        scopes: ['session:role-any'],
      },
      {
        slug: 'github',
        name: 'GitHub',
        status: 'not_connected',
        connected: false,
        scopes: ['repo', 'user:email'],
      },
    ]);
  });

  it('reports needs_reauthorization and disconnected as not connected', async () => {
    standIn.setConnection(MALLORY.id, 'linear', 'needs_reauthorization');
    standIn.setConnection(MALLORY.id, 'notion', 'disconnected');
    const list = await listIntegrations(workos, MALLORY.id, null);
    expect(list.find((i) => i.slug === 'linear')).toMatchObject({
      status: 'needs_reauthorization',
      connected: false,
    });
    expect(list.find((i) => i.slug === 'notion')).toMatchObject({ status: 'disconnected', connected: false });
    expect(standIn.requestLog().at(-1)).toEqual({
      method: 'GET',
      path: `/user_management/users/${MALLORY.id}/data_providers`,
    });
  });

  it('an unknown user or organization is PipesUnavailableError', async () => {
    await expect(listIntegrations(workos, 'user_nobody', null)).rejects.toBeInstanceOf(PipesUnavailableError);
    await expect(listIntegrations(workos, ALICE.id, 'org_other')).rejects.toBeInstanceOf(
      PipesUnavailableError,
    );
  });
});

describe('connectUrl', () => {
  it('returns the connect page, which connects the provider when opened', async () => {
    const url = await connectUrl(workos, 'snowflake', ALICE.id, 'org_sandbox');
    expect(url).toBe(`${standIn.url}/sandbox/connect/snowflake?user=${ALICE.id}`);
    const page = await fetch(url);
    expect(await page.text()).toContain('Snowflake is now connected for alice@sandbox.test');

    const list = await listIntegrations(workos, ALICE.id, 'org_sandbox');
    expect(list.find((i) => i.slug === 'snowflake')).toMatchObject({ status: 'connected', connected: true });
    await expect(new PipesTokens(workos).get('snowflake', ALICE.id, 'org_sandbox')).resolves.toMatch(
      /^sandbox_snowflake_/,
    );
  });

  it('escapes the slug, so it can never reach another WorkOS endpoint', async () => {
    const error = await connectUrl(workos, '../../user_management/users/user_alice', ALICE.id, null).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PipesUnavailableError);
    expect(standIn.requestLog().at(-1)?.path).toBe(
      '/data-integrations/..%2F..%2Fuser_management%2Fusers%2Fuser_alice/authorize',
    );
  });
});
