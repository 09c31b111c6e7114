// Bearer authentication for /mcp: AuthKit JWTs verified against the JWKS, with verified tokens and users cached.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { WorkOS } from '@workos-inc/node';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config.js';
import type { NodeStep } from '../http/node-steps.js';
import { sendJson } from '../http/send-json.js';
import type { Logger } from '../lib/logger.js';
import type { CallerIdentity } from './identity.js';

/** The token is bad: the client should sign in again (401). */
export class InvalidTokenError extends Error {}
/** We could not check the token (JWKS or WorkOS down): the client should retry, not re-authenticate (503). */
export class AuthUnavailableError extends Error {}

interface CachedUser {
  email: string;
  name: string | null;
  until: number;
}

const MAX_CACHED_TOKENS = 10_000;
/** A user WorkOS says is gone stays refused this long without asking again (a deleted user's tokens hammer us). */
const MISSING_USER_TTL_MS = 60_000;

export class BearerAuthenticator {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /** token → verified auth info, kept until the token's own expiry. */
  private readonly verified = new Map<string, AuthInfo>();
  private readonly users = new Map<string, CachedUser>();
  private readonly userFetches = new Map<string, Promise<CachedUser>>();
  /** userId → until when "no such user" is answered from memory. */
  private readonly missingUsers = new Map<string, number>();

  constructor(
    private readonly config: Pick<Config, 'auth' | 'durations'>,
    private readonly workos: WorkOS,
    private readonly now: () => number = Date.now,
  ) {
    this.jwks = createRemoteJWKSet(new URL(config.auth.jwksUrl), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
    });
  }

  /** A token verified before and not yet expired, answered without a promise: the path of every MCP request. */
  known(token: string): AuthInfo | undefined {
    const cached = this.verified.get(token);
    return cached && (cached.expiresAt ?? 0) * 1000 > this.now() ? cached : undefined;
  }

  async verify(token: string): Promise<AuthInfo> {
    const known = this.known(token);
    if (known) return known;
    this.verified.delete(token);

    const payload = await this.verifyJwt(token);
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (!payload.sub || !sid) throw new InvalidTokenError('token lacks the sub or sid claim');
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no expiry');
    const user = await this.user(payload.sub);
    const caller: CallerIdentity = {
      userId: payload.sub,
      sid,
      organizationId: typeof payload.org_id === 'string' ? payload.org_id : null,
      userEmail: user.email,
      name: user.name,
    };
    const info: AuthInfo = {
      token,
      clientId:
        typeof payload.client_id === 'string'
          ? payload.client_id
          : ((payload.azp as string | undefined) ?? 'unknown'),
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      expiresAt: payload.exp,
      extra: { ...caller },
    };
    if (this.verified.size >= MAX_CACHED_TOKENS)
      this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, info);
    return info;
  }

  private async verifyJwt(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        algorithms: ['RS256'],
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || isNetworkError(error)) {
        throw new AuthUnavailableError('the identity provider’s signing keys could not be fetched');
      }
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw new InvalidTokenError(`token ${error.claim} claim is not accepted`);
      }
      if (error instanceof joseErrors.JOSEError)
        throw new InvalidTokenError('token signature or format is invalid');
      throw new AuthUnavailableError('token verification failed unexpectedly');
    }
  }

  /** User details change rarely: fetch once per cache window, share concurrent fetches. */
  private async user(userId: string): Promise<CachedUser> {
    const hit = this.users.get(userId);
    if (hit && hit.until > this.now()) return hit;
    const missingUntil = this.missingUsers.get(userId);
    if (missingUntil !== undefined) {
      if (missingUntil > this.now()) throw new InvalidTokenError(USER_GONE);
      this.missingUsers.delete(userId);
    }
    let pending = this.userFetches.get(userId);
    if (!pending) {
      pending = this.fetchUser(userId).finally(() => this.userFetches.delete(userId));
      this.userFetches.set(userId, pending);
    }
    try {
      return await pending;
    } catch (error) {
      // A stale entry beats an outage, never a user WorkOS says is gone.
      if (hit && error instanceof AuthUnavailableError) return hit;
      throw error;
    }
  }

  private async fetchUser(userId: string): Promise<CachedUser> {
    try {
      const user = await this.workos.userManagement.getUser(userId);
      const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || null;
      const entry = { email: user.email, name, until: this.now() + this.config.durations.userCacheMs };
      this.users.set(userId, entry);
      return entry;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) {
        if (this.missingUsers.size >= MAX_CACHED_TOKENS)
          this.missingUsers.delete(this.missingUsers.keys().next().value as string);
        this.missingUsers.set(userId, this.now() + MISSING_USER_TTL_MS);
        this.users.delete(userId);
        throw new InvalidTokenError(USER_GONE);
      }
      throw new AuthUnavailableError('WorkOS could not be reached to look up the user');
    }
  }
}

const USER_GONE = 'the user of this token no longer exists';

/** Header values must be visible ASCII: anything else (a curly quote in a message) would make Node throw. */
function headerSafe(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error as { code?: string })?.code === 'ERR_JOSE_GENERIC';
}

/** A request on /mcp once the bearer check has passed: the token's AuthInfo rides on it. */
export type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

/** Middleware: 401 with a WWW-Authenticate pointing at our resource metadata, 503 on outages. */
export function requireBearer(
  authenticator: Pick<BearerAuthenticator, 'known' | 'verify'>,
  resourceMetadataUrl: string,
  logger: Logger,
): NodeStep<AuthedRequest> {
  const challenge = (description?: string) =>
    description
      ? `Bearer error="invalid_token", error_description="${headerSafe(description)}", resource_metadata="${resourceMetadataUrl}"`
      : `Bearer resource_metadata="${resourceMetadataUrl}"`;

  const verifyThenNext = async (token: string, req: AuthedRequest, res: ServerResponse, next: () => void) => {
    try {
      req.auth = await authenticator.verify(token);
      next();
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        res.setHeader('WWW-Authenticate', challenge(error.message));
        sendJson(res, 401, { error: 'invalid_token', error_description: error.message });
        return;
      }
      logger.warn({ err: error }, 'authentication unavailable');
      res.setHeader('Retry-After', '5');
      sendJson(res, 503, {
        error: 'temporarily_unavailable',
        error_description: 'Authentication is temporarily unavailable; retry shortly',
      });
    }
  };

  return (req: AuthedRequest, res: ServerResponse, next: () => void) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      res.setHeader('WWW-Authenticate', challenge(header ? 'Malformed Authorization header' : undefined));
      sendJson(res, 401, { error: 'invalid_token', error_description: 'Missing bearer token' });
      return;
    }
    // A token seen before goes straight on: no promise and no await on the path of every request.
    const known = authenticator.known(match[1]!);
    if (known) {
      req.auth = known;
      next();
      return;
    }
    return verifyThenNext(match[1]!, req, res, next);
  };
}
