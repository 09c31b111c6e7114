// Encrypted, authenticated claim sets (JWE compact, dir + A256GCM) shared by approval links and cookies.
import { createHash } from 'node:crypto';
import { EncryptJWT, errors, type JWTPayload, jwtDecrypt } from 'jose';

const ISSUER = 'countersign';
/** Anything longer is not one of ours; refusing early keeps a hostile header from costing a decryption. */
const MAX_TOKEN_LENGTH = 4096;

/** `expired` still carries the claims: they were authenticated, only their time is up. */
export type Opened<T> =
  | { ok: true; claims: T & JWTPayload }
  | { ok: false; error: 'invalid' }
  | { ok: false; error: 'expired'; claims: T & JWTPayload };

/** Content keys by secret (a process has a handful of secrets, all from its configuration). */
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The 32-byte content key: SHA-256 of the secret, so any secret of at least 32 characters works. Imported once
 * per secret: handing jose the raw bytes made it import them again for every seal and unseal (a check of a
 * pending request seals its consent link each time), which cost more than the encryption itself.
 */
function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = createHash('sha256').update(secret, 'utf8').digest();
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secret, key);
  }
  return key;
}

/**
 * Seals `claims` for one `audience` (the purpose: 'approve', 'session', 'sign-in'), so a value minted for
 * one purpose is refused by every other even when two purposes share a secret.
 */
export async function seal(
  secret: string,
  audience: string,
  claims: JWTPayload,
  expiresAt: number,
  now: number = Date.now(),
): Promise<string> {
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .encrypt(await keyFor(secret));
}

/** Opens a sealed value; `expired` only when it decrypted and authenticated but its time is up. */
export async function unseal<T>(
  secret: string,
  audience: string,
  token: string,
  now: number = Date.now(),
): Promise<Opened<T>> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, error: 'invalid' };
  try {
    const { payload } = await jwtDecrypt(token, await keyFor(secret), {
      issuer: ISSUER,
      audience,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      requiredClaims: ['exp'],
      currentDate: new Date(now),
    });
    return { ok: true, claims: payload as T & JWTPayload };
  } catch (error) {
    // jose 6's message never says "expired" (the seed's BUG-4): tell them apart by class and code.
    if (error instanceof errors.JWTExpired) {
      // jose may report expiry before checking the other claims, so issuer and audience are checked here.
      const claims = error.payload as T & JWTPayload;
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (claims.iss === ISSUER && audiences.includes(audience))
        return { ok: false, error: 'expired', claims };
    }
    return { ok: false, error: 'invalid' };
  }
}
