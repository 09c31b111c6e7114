// The DNS-rebinding guard: allowed Host names pass, others are refused, the same way however often a Host repeats.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostGuard } from '../../../src/http/host-guard.js';
import { recordedResponse } from '../../support/recorded-response.js';

function run(guard: ReturnType<typeof hostGuard>, headers: Record<string, string>) {
  let passed = false;
  const { res, sent } = recordedResponse();
  guard({ headers } as IncomingMessage, res, () => {
    passed = true;
  });
  return { passed, status: sent.status ?? 200, error: (sent.body as { error?: string } | undefined)?.error };
}

describe('hostGuard', () => {
  const guard = hostGuard(['localhost', 'countersign.example.com'], 'https://countersign.example.com');

  it('lets an allowed Host through, with or without a port, in any case', () => {
    for (let round = 0; round < 3; round++) {
      expect(run(guard, { host: 'localhost:3000' }).passed).toBe(true);
      expect(run(guard, { host: 'Countersign.Example.com' }).passed).toBe(true);
    }
  });

  it('refuses other, malformed and missing Hosts, every time they come back', () => {
    for (let round = 0; round < 3; round++) {
      expect(run(guard, { host: 'evil.example:3000' })).toEqual({
        passed: false,
        status: 403,
        error: 'forbidden_host',
      });
      expect(run(guard, { host: 'local host' })).toEqual({
        passed: false,
        status: 403,
        error: 'forbidden_host',
      });
      expect(run(guard, {})).toEqual({ passed: false, status: 403, error: 'forbidden_host' });
    }
  });

  it('decides the same after more distinct Hosts than it remembers', () => {
    for (let i = 0; i < 200; i++) expect(run(guard, { host: `h${i}.example` }).passed).toBe(false);
    expect(run(guard, { host: 'localhost' }).passed).toBe(true);
    expect(run(guard, { host: 'h3.example' }).passed).toBe(false);
  });

  it('refuses a foreign Origin on an allowed Host, accepts our own', () => {
    expect(run(guard, { host: 'localhost:3000', origin: 'http://evil.example' }).error).toBe(
      'forbidden_origin',
    );
    expect(run(guard, { host: 'localhost:3000', origin: 'http://localhost:3000' }).passed).toBe(true);
    expect(run(guard, { host: 'localhost:3000', origin: 'https://countersign.example.com' }).passed).toBe(
      true,
    );
  });
});
