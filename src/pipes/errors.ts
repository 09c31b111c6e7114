// Coded errors of the Pipes client and the upstream proxy: a stable code plus a message safe to show a model.

/**
 * Base of every error this folder throws. `safe` tells the MCP edge the message was written for the
 * assistant (no token, no stack, no upstream body) and may be shown verbatim.
 */
export abstract class PipesError extends Error {
  abstract readonly code: string;
  readonly safe = true;
}

export type NotConnectedCode = 'not_connected' | 'needs_reauthorization';

/** WorkOS Pipes has no usable connection for this user and provider; the user must (re)connect it. */
export class NotConnectedError extends PipesError {
  override readonly name = 'NotConnectedError';

  constructor(
    readonly code: NotConnectedCode,
    readonly provider: string,
  ) {
    super(
      code === 'needs_reauthorization'
        ? `Your ${provider} connection has expired or lost permissions. Call connect_integration with provider "${provider}" and ask the user to open the link to reconnect, then try again.`
        : `${provider} is not connected for this user. Call connect_integration with provider "${provider}" and ask the user to open the link, then try again.`,
    );
  }
}

/** WorkOS could not be asked for a token or status (outage, bad API key, unexpected answer). */
export class PipesUnavailableError extends PipesError {
  override readonly name = 'PipesUnavailableError';
  readonly code = 'pipes_unavailable';

  constructor(
    readonly provider: string | undefined,
    /** A short reason for logs, never containing a token (e.g. "UnauthorizedException", "HTTP 500"). */
    readonly reason: string,
  ) {
    super(
      provider
        ? `The integration service could not provide ${provider} credentials right now. Try again in a moment.`
        : 'The integration service is unavailable right now. Try again in a moment.',
    );
  }
}

export type UpstreamErrorCode =
  | 'insecure_scheme'
  | 'origin_mismatch'
  | 'body_not_allowed'
  | 'invalid_request'
  | 'redirect_refused'
  | 'timeout'
  | 'unreachable';

const UPSTREAM_MESSAGES: Record<UpstreamErrorCode, (status?: number) => string> = {
  insecure_scheme: () => 'Only https:// URLs can be called.',
  origin_mismatch: () => "The URL is not on this provider's API host.",
  body_not_allowed: () =>
    'A GET or HEAD request cannot carry a body; send the parameters in the URL or use POST.',
  invalid_request: () => 'The request could not be sent as given (check the method and header values).',
  redirect_refused: (status) =>
    `The provider answered with a redirect (HTTP ${status}); redirects are not followed. Call the final API URL directly.`,
  timeout: () => 'The provider did not answer in time.',
  unreachable: () => 'The provider could not be reached.',
};

/** The call to the provider API was refused before sending, or failed on the wire. */
export class UpstreamError extends PipesError {
  override readonly name = 'UpstreamError';

  constructor(
    readonly code: UpstreamErrorCode,
    /** HTTP status when the provider did answer (redirects). */
    readonly status?: number,
    /** Low-level cause for logs only (an errno code such as ECONNREFUSED, never a message). */
    readonly reason?: string,
  ) {
    super(UPSTREAM_MESSAGES[code](status));
  }
}

/**
 * A log-safe description of a failure: the class name and HTTP status only. SDK and network messages
 * can echo request details, so they are never carried along.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    const code = (error as { code?: unknown }).code;
    const detail =
      typeof status === 'number' ? ` (HTTP ${status})` : typeof code === 'string' ? ` (${code})` : '';
    return `${error.name}${detail}`;
  }
  return typeof error;
}
