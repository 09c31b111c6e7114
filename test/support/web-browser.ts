// A minimal browser for the consent tests: a cookie jar, manual redirects, and form fields read from pages.
import { expect } from 'vitest';

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

/** Cookies by name, as one host sees them (ports share cookies, as in real browsers). */
export class WebBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  private absorb(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (gone || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(url: string): Record<string, string> {
    // Browsers scope cookies by host, not port: the stand-in on 127.0.0.1 gets them too, as it would for real.
    if (new URL(url).hostname !== new URL(this.origin).hostname || this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ') };
  }

  /** One request, no redirect following. */
  async request(url: string, init: RequestInit = {}): Promise<Page> {
    const absolute = new URL(url, this.origin).toString();
    const res = await fetch(absolute, {
      ...init,
      redirect: 'manual',
      headers: { ...this.cookieHeader(absolute), ...(init.headers as Record<string, string> | undefined) },
    });
    this.absorb(res);
    return { status: res.status, url: absolute, headers: res.headers, body: await res.text() };
  }

  /** GET, following redirects (across hosts, as a browser does) until a page that is not a redirect. */
  async visit(url: string, maxHops = 10): Promise<Page & { hops: string[] }> {
    const hops: string[] = [];
    let current = new URL(url, this.origin).toString();
    for (let i = 0; i < maxHops; i++) {
      const page = await this.request(current);
      const location = page.headers.get('location');
      if (page.status < 300 || page.status >= 400 || !location) return { ...page, hops };
      hops.push(current);
      current = new URL(location, current).toString();
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** A form post as our own page would send it: urlencoded, with the browser's same-origin signals. */
  post(
    path: string,
    fields: FormFields,
    headers: Record<string, string> = { origin: this.origin },
  ): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) body.append(name, v);
    }
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: body.toString(),
    });
  }
}

export type FormFields = Record<string, string | string[] | undefined>;

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
export const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

/** The value of `<input type="hidden" name="…" value="…">` on a page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  expect(match, `hidden field ${name}`).not.toBeNull();
  return unescapeHtml(match![1]!);
}

/** Visible text of a page, tags stripped and whitespace collapsed, for readable assertions. */
export function pageText(html: string): string {
  return unescapeHtml(
    html
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}
