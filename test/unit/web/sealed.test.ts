// Specification of the sealed values' content keys: one import per secret, however many values are sealed.
import { describe, expect, it, vi } from 'vitest';
import { seal, unseal } from '../../../src/web/sealed.js';

describe('seal and unseal', () => {
  it('import each secret’s key once, and keep secrets apart', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const secret = `a-secret-of-at-least-32-characters-${Math.random()}`;
    const other = `another-secret-of-32-characters-or-more-${Math.random()}`;
    const expiresAt = Date.now() + 60_000;
    for (let i = 0; i < 5; i++) {
      const sealed = await seal(secret, 'approve', { jti: `g_${i}` }, expiresAt);
      const opened = await unseal<{ jti: string }>(secret, 'approve', sealed);
      expect(opened.ok && opened.claims.jti).toBe(`g_${i}`);
      expect(await unseal(other, 'approve', sealed)).toEqual({ ok: false, error: 'invalid' });
    }
    expect(importKey).toHaveBeenCalledTimes(2);
    importKey.mockRestore();
  });
});
