// The light request view reads as the real bodyless Request the bridge used to build, for everything it offers.
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RequestView } from '../../../src/mcp/request-view.js';

const HEADERS: IncomingHttpHeaders = {
  host: 'LocalHost:80',
  'content-type': 'application/json',
  'content-length': '123',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  authorization: 'Bearer abc',
  cookie: 'a=1; b=2',
  'set-cookie': ['x=1', 'y=2'],
  'x-empty': '',
};
const URL_AS_SENT = 'http://LocalHost:80/mcp?x=1';

/** The Request the bridge built before the view: every header but content-length, no body. */
function realRequest(signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(HEADERS)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  headers.delete('content-length');
  return new Request(URL_AS_SENT, { method: 'POST', headers, signal });
}

function view(signal: AbortSignal): Request {
  return new RequestView({ method: 'POST', headers: HEADERS, url: () => URL_AS_SENT }, signal).asRequest();
}

describe('RequestView', () => {
  const signal = new AbortController().signal;
  const real = realRequest(signal);
  const light = view(signal);

  it('answers headers.get as Request does, whatever the name’s case, absent names and content-length as null', () => {
    for (const name of [
      ...Object.keys(HEADERS),
      'MCP-Protocol-Version',
      'Content-Type',
      'x-absent',
      'Set-Cookie',
    ]) {
      expect(light.headers.get(name), name).toBe(real.headers.get(name));
      expect(light.headers.has(name), name).toBe(real.headers.has(name));
    }
    expect(light.headers.get('content-length')).toBeNull();
  });

  it('iterates the headers as Request does: sorted, set-cookie one by one', () => {
    expect([...light.headers.entries()]).toEqual([...real.headers.entries()]);
    expect([...light.headers]).toEqual([...real.headers]);
    expect([...light.headers.keys()]).toEqual([...real.headers.keys()]);
    expect([...light.headers.values()]).toEqual([...real.headers.values()]);
    expect(light.headers.getSetCookie()).toEqual(real.headers.getSetCookie());
    const seen: string[] = [];
    light.headers.forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    const expected: string[] = [];
    real.headers.forEach((value, name) => {
      expected.push(`${name}=${value}`);
    });
    expect(seen).toEqual(expected);
  });

  it('has the method, the normalised URL, the signal and no body', () => {
    expect(light.method).toBe(real.method);
    expect(light.url).toBe(real.url);
    expect(light.signal).toBe(signal);
    expect(light.body).toBeNull();
    expect(light.bodyUsed).toBe(false);
  });

  it('refuses to change its headers, as a request’s own headers are not ours to edit', () => {
    expect(() => light.headers.set('x', 'y')).toThrow(TypeError);
    expect(() => light.headers.append('x', 'y')).toThrow(TypeError);
    expect(() => light.headers.delete('accept')).toThrow(TypeError);
  });

  it('clones into a real Request with the same method, URL, headers and signal, and an empty body', async () => {
    const clone = light.clone();
    expect(clone).toBeInstanceOf(Request);
    expect(clone.method).toBe('POST');
    expect(clone.url).toBe(real.url);
    expect([...clone.headers]).toEqual([...real.headers]);
    expect(await clone.text()).toBe('');
    const aborted = new AbortController();
    const cloneOfAborting = view(aborted.signal).clone();
    aborted.abort();
    expect(cloneOfAborting.signal.aborted).toBe(true);
  });

  it('answers every other member of Request as the real one does, body readers included (empty)', async () => {
    const members = Object.getOwnPropertyNames(Request.prototype).filter((name) => name !== 'constructor');
    const skipped = ['headers', 'signal', 'clone'];
    for (const name of members.filter((member) => !skipped.includes(member))) {
      const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, name);
      const own = (request: Request) => (request as unknown as Record<string, unknown>)[name];
      if (typeof descriptor?.value === 'function') {
        const call = (request: Request) => (own(request) as () => Promise<unknown>).call(request);
        const [mine, theirs] = await Promise.allSettled([call(view(signal)), call(realRequest(signal))]);
        expect(mine.status, name).toBe(theirs.status);
        if (mine.status === 'fulfilled' && theirs.status === 'fulfilled') {
          expect(mine.value, name).toEqual(theirs.value);
        }
      } else {
        expect(own(light), name).toEqual(own(real));
      }
    }
  });

  it('computes the URL only when it is read', () => {
    let asked = 0;
    const lazy = new RequestView(
      {
        method: 'POST',
        headers: HEADERS,
        url: () => {
          asked++;
          return URL_AS_SENT;
        },
      },
      signal,
    ).asRequest();
    expect(lazy.headers.get('accept')).toBe(HEADERS.accept);
    expect(asked).toBe(0);
    expect(lazy.url).toBe('http://localhost/mcp?x=1');
    expect(lazy.url).toBe('http://localhost/mcp?x=1');
    expect(asked).toBe(1);
  });
});
