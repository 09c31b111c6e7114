// Specification of the bearer middleware: a known token passes at once, a new one is verified, a bad one refused.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/lib/logger.js';
import { type AuthedRequest, InvalidTokenError, requireBearer } from '../../../src/mcp/auth.js';
import { recordedResponse } from '../../support/recorded-response.js';

const info = (token: string): AuthInfo => ({ token, clientId: 'c', scopes: [], expiresAt: 2e9 });
const logger = { warn: vi.fn() } as unknown as Logger;

function exchange(authorization?: string) {
  const req = { headers: authorization ? { authorization } : {} } as AuthedRequest;
  const { res, sent } = recordedResponse();
  const next = vi.fn();
  return { req, res, next, sent };
}

describe('requireBearer', () => {
  it('passes a token verified before straight on, synchronously, without verifying it again', () => {
    const verify = vi.fn();
    const middleware = requireBearer({ known: () => info('t1'), verify }, 'https://x/meta', logger);
    const { req, res, next } = exchange('Bearer t1');
    const returned = middleware(req, res, next);
    expect(returned).toBeUndefined();
    expect(next).toHaveBeenCalledOnce();
    expect(req.auth).toEqual(info('t1'));
    expect(verify).not.toHaveBeenCalled();
  });

  it('verifies a token it does not know, then goes on', async () => {
    const verify = vi.fn(async (token: string) => info(token));
    const middleware = requireBearer({ known: () => undefined, verify }, 'https://x/meta', logger);
    const { req, res, next } = exchange('bearer   t2  ');
    await middleware(req, res, next);
    expect(verify).toHaveBeenCalledWith('t2');
    expect(next).toHaveBeenCalledOnce();
    expect(req.auth).toEqual(info('t2'));
  });

  it('answers 401 with a challenge for a bad token, and for a missing or malformed header', async () => {
    const verify = vi.fn(async () => {
      throw new InvalidTokenError('token expired');
    });
    const middleware = requireBearer({ known: () => undefined, verify }, 'https://x/meta', logger);
    const bad = exchange('Bearer t3');
    await middleware(bad.req, bad.res, bad.next);
    expect(bad.sent.status).toBe(401);
    expect(bad.sent.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="token expired", resource_metadata="https://x/meta"',
    );
    expect(bad.next).not.toHaveBeenCalled();
    const missing = exchange();
    await middleware(missing.req, missing.res, missing.next);
    expect(missing.sent.status).toBe(401);
    expect(missing.sent.headers['WWW-Authenticate']).toBe('Bearer resource_metadata="https://x/meta"');
    const malformed = exchange('Basic abc');
    await middleware(malformed.req, malformed.res, malformed.next);
    expect(malformed.sent.headers['WWW-Authenticate']).toContain('Malformed Authorization header');
    expect(verify).toHaveBeenCalledOnce();
  });

  it('answers 503 when the token cannot be checked', async () => {
    const verify = vi.fn(async () => {
      throw new Error('JWKS down');
    });
    const middleware = requireBearer({ known: () => undefined, verify }, 'https://x/meta', logger);
    const down = exchange('Bearer t4');
    await middleware(down.req, down.res, down.next);
    expect(down.sent.status).toBe(503);
    expect(down.sent.headers['Retry-After']).toBe('5');
    expect(down.next).not.toHaveBeenCalled();
  });
});
