// UpstreamProxy against the demo provider and small ad-hoc servers: what it sends, what it refuses, what it bounds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { UpstreamError } from '../../../src/pipes/errors.js';
import { UpstreamProxy } from '../../../src/pipes/proxy.js';
import type { Provider } from '../../../src/providers/types.js';
import { type DemoProvider, startDemoProvider } from '../../../src/sandbox/demo-provider.js';

const TOKEN = 'sandbox_notion_secret_token_value';
const LINEAR_TOKEN = 'sandbox_linear_secret_token_value';
const MiB = 1024 * 1024;
const upstream: Config['upstream'] = { timeoutMs: 5_000, maxResponseBytes: 4 * MiB, allowLoopbackHttp: true };

/** A provider as the registry will define one, minus everything the proxy does not use. */
function provider(origin: string, headers: Record<string, string> = {}): Provider {
  return {
    id: 'notion',
    displayName: 'Notion',
    origin,
    instructions: '',
    matchesPath: () => true,
    requiredLevel: () => 'read',
    headers: () => ({ 'Content-Type': 'application/json', 'Notion-Version': '2025-09-03', ...headers }),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Everything about an error a person or model could see. */
const visible = (error: unknown) => {
  const e = error as Error & Record<string, unknown>;
  return `${e.message} ${String(e)} ${JSON.stringify(e)} ${e.stack ?? ''}`;
};

let demo: DemoProvider;
let echo: Server;
let echoUrl: string;
let echoSockets = 0;
let landing: Server;
let landingUrl: string;
let landingHits = 0;
let proxy: UpstreamProxy;

beforeAll(async () => {
  landing = createServer((_req, res) => {
    landingHits++;
    res.end('{}');
  });
  landingUrl = await listen(landing);
  demo = await startDemoProvider({
    tokenCheck: (bearer) =>
      bearer === TOKEN
        ? { provider: 'notion', userId: 'user_alice' }
        : bearer === LINEAR_TOKEN
          ? { provider: 'linear', userId: 'user_alice' }
          : null,
    redirectTo: `${landingUrl}/stolen`,
  });
  // Echoes what arrived (raw header list included, to catch duplicates) and misbehaves on request.
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        return;
      }
      if (req.url === '/not-modified') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body }));
    });
  });
  echo.on('connection', () => echoSockets++);
  echoUrl = await listen(echo);
  proxy = new UpstreamProxy(upstream);
});

afterAll(async () => {
  await proxy.close();
  await demo.close();
  for (const server of [echo, landing]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Header name (lower-cased) → every value received for it. */
function received(rawHeaders: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    out[name] = [...(out[name] ?? []), rawHeaders[i + 1]!];
  }
  return out;
}

describe('UpstreamProxy', () => {
  it('calls the provider with the token and returns parsed JSON', async () => {
    const res = await proxy.call({
      provider: { ...provider(demo.linearUrl), id: 'linear' },
      method: 'POST',
      url: new URL('/graphql', demo.linearUrl),
      body: { query: '{ viewer { id name } }' },
      token: LINEAR_TOKEN,
    });
    expect(res).toMatchObject({
      status: 200,
      truncated: false,
      contentType: 'application/json; charset=utf-8',
    });
    expect(res.body).toMatchObject({ data: { viewer: { id: 'user_alice', name: 'Alice Anders' } } });
    expect(res.bytes).toBeGreaterThan(0);
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
    expect(demo.calls().at(-1)).toMatchObject({
      provider: 'linear',
      authorization: `Bearer ${LINEAR_TOKEN}`,
    });
  });

  it('keeps only allow-listed caller headers; provider headers and our Authorization win', async () => {
    const res = await proxy.call({
      provider: provider(echoUrl, { Accept: 'application/json' }),
      method: 'POST',
      url: new URL('/echo?x=1#fragment', echoUrl),
      body: { hello: 'world' },
      token: TOKEN,
      callerHeaders: {
        Authorization: 'Bearer stolen',
        authorization: 'Bearer stolen-too',
        Cookie: 'session=abc',
        Host: 'evil.example',
        'Notion-Version': '1999-01-01',
        'Content-Type': 'text/plain',
        'Content-Length': '3',
        'Transfer-Encoding': 'chunked',
        'X-Forwarded-For': '10.0.0.1',
        Accept: 'text/html',
        'Accept-Language': 'nl',
        'If-None-Match': '"etag"',
        'Idempotency-Key': 'idem-1',
        'x-request-id': 'req-1',
        'If-Match': 'bad\r\nX-Injected: 1',
      },
    });
    const echoed = res.body as { method: string; url: string; rawHeaders: string[]; body: string };
    const headers = received(echoed.rawHeaders);
    expect(echoed.method).toBe('POST');
    expect(echoed.url).toBe('/echo?x=1');
    expect(echoed.body).toBe('{"hello":"world"}');
    expect(headers.authorization).toEqual([`Bearer ${TOKEN}`]);
    expect(headers.host).toEqual([new URL(echoUrl).host]);
    expect(headers['notion-version']).toEqual(['2025-09-03']);
    expect(headers['content-type']).toEqual(['application/json']);
    expect(headers['content-length']).toEqual(['17']);
    expect(headers.accept).toEqual(['application/json']);
    expect(headers['accept-language']).toEqual(['nl']);
    expect(headers['if-none-match']).toEqual(['"etag"']);
    expect(headers['idempotency-key']).toEqual(['idem-1']);
    expect(headers['x-request-id']).toEqual(['req-1']);
    for (const dropped of ['cookie', 'x-forwarded-for', 'transfer-encoding', 'if-match', 'x-injected']) {
      expect(headers[dropped]).toBeUndefined();
    }
  });

  it('reuses keep-alive connections across calls', async () => {
    const before = echoSockets;
    for (let i = 0; i < 20; i++) {
      await proxy.call({
        provider: provider(echoUrl),
        method: 'GET',
        url: new URL('/echo', echoUrl),
        token: TOKEN,
      });
    }
    expect(echoSockets - before).toBeLessThanOrEqual(1);
  });

  it('returns provider errors as responses, not exceptions', async () => {
    const res = await proxy.call({
      provider: provider(demo.notionUrl),
      method: 'GET',
      url: new URL('/v1/pages/abc', demo.notionUrl),
      token: 'sandbox_notion_unknown',
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ object: 'error', code: 'unauthorized' });
  });

  it('does not treat 304 Not Modified as a redirect', async () => {
    const res = await proxy.call({
      provider: provider(echoUrl),
      method: 'GET',
      url: new URL('/not-modified', echoUrl),
      token: TOKEN,
    });
    expect(res).toMatchObject({ status: 304, body: '', bytes: 0 });
  });

  it('refuses a redirect without following it or revealing where it pointed', async () => {
    const error = await proxy
      .call({
        provider: provider(demo.notionUrl),
        method: 'GET',
        url: new URL('/v1/pages/redirect', demo.notionUrl),
        token: TOKEN,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'redirect_refused', status: 302 });
    expect((error as Error).message).toContain('302');
    expect(visible(error)).not.toContain(landingUrl);
    expect(visible(error)).not.toContain('stolen');
    expect(landingHits).toBe(0);
  });

  it('cuts a 3 MiB answer at the cap and flags it; unparseable JSON comes back as text', async () => {
    const capped = new UpstreamProxy({ ...upstream, maxResponseBytes: MiB });
    try {
      const res = await capped.call({
        provider: provider(demo.notionUrl),
        method: 'GET',
        url: new URL('/v1/pages/big', demo.notionUrl),
        token: TOKEN,
      });
      expect(res).toMatchObject({ status: 200, truncated: true, bytes: MiB });
      expect(typeof res.body).toBe('string');
      expect((res.body as string).length).toBe(MiB);
      expect((res.body as string).startsWith('{"object":"page","id":"big"')).toBe(true);
    } finally {
      await capped.close();
    }
    const whole = await proxy.call({
      provider: provider(demo.notionUrl),
      method: 'GET',
      url: new URL('/v1/pages/big', demo.notionUrl),
      token: TOKEN,
    });
    expect(whole).toMatchObject({ truncated: false, bytes: 3 * MiB, body: { object: 'page', id: 'big' } });
  });

  it('times out a slow answer, whether the headers or the body are late', async () => {
    const quick = new UpstreamProxy({ ...upstream, timeoutMs: 200 });
    try {
      // Without the timeout the slow page (3 s) would answer and the stalled body would hang the test: a
      // rejection with code 'timeout' is the proof, with no wall-clock bound to break on a slow machine.
      await expect(
        quick.call({
          provider: provider(demo.notionUrl),
          method: 'GET',
          url: new URL('/v1/pages/slow', demo.notionUrl),
          token: TOKEN,
        }),
      ).rejects.toMatchObject({ code: 'timeout' });
      await expect(
        quick.call({
          provider: provider(echoUrl),
          method: 'GET',
          url: new URL('/stall', echoUrl),
          token: TOKEN,
        }),
      ).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      await quick.close();
    }
  });

  it('keeps its own deadline: a stalled answer is cut at timeoutMs, well before the pool’s backstop (+1 s)', async () => {
    const quick = new UpstreamProxy({ ...upstream, timeoutMs: 200 });
    try {
      const started = performance.now();
      await expect(
        quick.call({
          provider: provider(echoUrl),
          method: 'GET',
          url: new URL('/stall', echoUrl),
          token: TOKEN,
        }),
      ).rejects.toMatchObject({ code: 'timeout' });
      expect(performance.now() - started).toBeLessThan(1_100);
    } finally {
      await quick.close();
    }
  });

  it('refuses plain http to a host that is not loopback, even when loopback http is allowed', async () => {
    const error = await proxy
      .call({
        provider: provider('http://api.notion.com'),
        method: 'GET',
        url: new URL('http://api.notion.com/v1/users'),
        token: TOKEN,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'insecure_scheme' });
  });

  it('refuses plain http to loopback when allowLoopbackHttp is false', async () => {
    const strict = new UpstreamProxy({ ...upstream, allowLoopbackHttp: false });
    const before = demo.calls().length;
    await expect(
      strict.call({
        provider: provider(demo.notionUrl),
        method: 'GET',
        url: new URL('/v1/pages/a', demo.notionUrl),
        token: TOKEN,
      }),
    ).rejects.toMatchObject({ code: 'insecure_scheme' });
    expect(demo.calls().length).toBe(before);
    await strict.close();
  });

  it("refuses a URL outside the provider's origin", async () => {
    await expect(
      proxy.call({
        provider: provider(demo.notionUrl),
        method: 'GET',
        url: new URL('/echo', echoUrl),
        token: TOKEN,
      }),
    ).rejects.toMatchObject({ code: 'origin_mismatch' });
  });

  it('refuses a GET with a body', async () => {
    await expect(
      proxy.call({
        provider: provider(echoUrl),
        method: 'GET',
        url: new URL('/echo', echoUrl),
        body: { a: 1 },
        token: TOKEN,
      }),
    ).rejects.toMatchObject({ code: 'body_not_allowed' });
  });

  it('reports a provider that cannot be reached, without the token', async () => {
    const error = await proxy
      .call({
        provider: provider('http://127.0.0.1:1'),
        method: 'POST',
        url: new URL('http://127.0.0.1:1/v1/search'),
        body: {},
        token: TOKEN,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreachable', safe: true });
    expect(visible(error)).not.toContain(TOKEN);
  });
});
