// Signing keys of the WorkOS stand-in: the published RS256 key, a foreign one for negative tests, and minting.
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export interface MintOptions {
  /** `sid` claim; defaults to a fresh consent id (MCP tokens) or session id (sign-in tokens). */
  sid?: string;
  /** `org_id` claim; `null` leaves it out. Defaults to the person's organization. */
  orgId?: string | null;
  /** jose time span, e.g. "5m", "1h", "-1m" (already expired). Default "1h". */
  expiresIn?: string;
  /** `aud` claim; left out when not given. */
  audience?: string;
  /** `iss` claim; defaults to the stand-in's issuer. */
  issuer?: string;
  /** Header `kid`; defaults to the published key's id. */
  kid?: string;
  /** `client_id` claim; defaults to the environment client id. */
  clientId?: string;
  /** `scope` claim, space separated. Default "openid profile email offline_access". */
  scope?: string;
}

export interface Claims {
  sub: string;
  sid: string;
  orgId: string | null;
  clientId: string;
  scope: string;
  issuer: string;
  audience?: string;
  expiresIn: string;
}

/** The published key as kept in the sandbox's data folder: its id and the private JWK. */
export interface SavedSigningKey {
  kid: string;
  privateJwk: JWK;
}

export interface Signer {
  kid: string;
  /** The published key, to keep so tokens signed now still verify after a restart. */
  saved: SavedSigningKey;
  jwks(): { keys: JWK[] };
  sign(claims: Claims, options?: { kid?: string; foreign?: boolean }): Promise<string>;
}

/** Signs with `saved` when given (a restarted sandbox), else with a fresh key pair. */
export async function createSigner(saved?: SavedSigningKey): Promise<Signer> {
  const kid = saved?.kid ?? `key_${randomBytes(12).toString('hex').toUpperCase()}`;
  const own = saved
    ? { privateKey: await importJWK(saved.privateJwk, 'RS256') }
    : await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const privateJwk = saved?.privateJwk ?? (await exportJWK(own.privateKey));
  // The spec also lists x5c and x5t#S256; jose and the SDK need neither, so they are left out knowingly.
  // Only the public members (kty, n, e) are published.
  const jwks = {
    keys: [{ kty: privateJwk.kty, n: privateJwk.n, e: privateJwk.e, kid, alg: 'RS256', use: 'sig' }],
  };

  return {
    kid,
    saved: { kid, privateJwk },
    jwks: () => jwks,
    async sign(claims, options = {}) {
      const jwt = new SignJWT({
        sid: claims.sid,
        ...(claims.orgId ? { org_id: claims.orgId } : {}),
        client_id: claims.clientId,
        scope: claims.scope,
      })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid })
        .setIssuer(claims.issuer)
        .setSubject(claims.sub)
        .setJti(randomBytes(16).toString('hex'))
        .setIssuedAt()
        .setExpirationTime(claims.expiresIn);
      if (claims.audience) jwt.setAudience(claims.audience);
      // A foreign token carries the published kid by default, so only the signature gives it away.
      return jwt.sign(options.foreign ? foreign.privateKey : own.privateKey);
    },
  };
}
