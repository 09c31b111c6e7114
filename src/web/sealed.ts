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

/** The 32-byte content key: SHA-256 of the secret, so any secret of at least 32 characters works. */
function keyFor(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
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
    .encrypt(keyFor(secret));
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
    const { payload } = await jwtDecrypt(token, keyFor(secret), {
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
