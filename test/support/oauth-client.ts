// An MCP client's side of OAuth, as Claude Code does it: the SDK's own flow with an in-memory provider, a loopback
// redirect listener, and a headless browser where a sandbox person signs in.
import { createServer, type Server } from 'node:http';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';

/** Remembers what a real client keeps on disk: registration, tokens, verifier, discovery. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  registration: StoredOAuthClientInformation | undefined;
  saved: StoredOAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  /** Every authorization URL the SDK asked to open, newest last. */
  readonly authorizationUrls: URL[] = [];

  constructor(readonly redirectUrl: string) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'countersign-e2e',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.registration;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.registration = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The loopback listener a native client opens for the redirect (RFC 8252 §7.3). */
export interface RedirectListener {
  url: string;
  /** The query of the next redirect that arrives. */
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}

export async function listenForRedirect(): Promise<RedirectListener> {
  const arrived: URLSearchParams[] = [];
  const waiting: Array<(params: URLSearchParams) => void> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The browser also asks for /favicon.ico after the redirect: only the callback path counts.
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const params = url.searchParams;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in. You can close this window.');
    const waiter = waiting.shift();
    if (waiter) waiter(params);
    else arrived.push(params);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () => {
      const ready = arrived.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens the authorization URL, picks the person on the stand-in's sign-in page, returns the redirect's query. */
export async function signInInBrowser(
  browser: Browser,
  authorizationUrl: URL,
  redirect: RedirectListener,
  person: RegExp,
): Promise<URLSearchParams> {
  const page = await browser.newPage();
  try {
    const arrived = redirect.next();
    await page.goto(authorizationUrl.toString());
    await page.getByRole('button', { name: person }).click();
    return await arrived;
  } finally {
    await page.close();
  }
}
