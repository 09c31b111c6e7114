// The page shell every consent page shares: viewport, inline CSS (the CSP allows nothing else), sign-out.
import { type HtmlValue, html, raw, type SafeHtml } from './html.js';

export interface PageContext {
  now: number;
  /** Path prefix of PUBLIC_URL ('' at the root), for links and form actions. */
  basePath: string;
  /** The signed-in person, when there is one: shown with a sign-out button. */
  viewer: { email: string; name: string | null } | null;
}

export type Tone = 'info' | 'ok' | 'warn' | 'bad';

export interface PageParts {
  title: string;
  tone: Tone;
  /** Short label above the heading, e.g. "Approved". */
  badge?: string;
  body: HtmlValue;
}

const STYLE = raw(`
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#f6f7f9;--card:#fff;--line:#d9dde3;
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa4b0;--bg:#111418;--card:#1a1e24;--line:#333a44}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:42rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header.top{display:flex;justify-content:space-between;align-items:center;gap:1rem;margin-bottom:1rem;color:var(--muted);font-size:.9rem}
header.top form{display:inline}
.card{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--info);border-radius:10px;padding:1.25rem 1.25rem 1.5rem}
.card.ok{border-top-color:var(--ok)}.card.warn{border-top-color:var(--warn)}.card.bad{border-top-color:var(--bad)}
.badge{display:inline-block;font-size:.8rem;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
h1{font-size:1.35rem;line-height:1.3;margin:.25rem 0 1rem}
h2{font-size:1rem;margin:1.25rem 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.quote{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid var(--line);padding:.25rem .75rem;margin:.5rem 0}
.error{border:1px solid var(--bad);color:var(--bad);border-radius:8px;padding:.6rem .8rem;margin:0 0 1rem}
.notice{border:1px solid var(--warn);border-radius:8px;padding:.6rem .8rem;margin:.75rem 0}
fieldset{border:1px solid var(--line);border-radius:8px;margin:1rem 0;padding:.5rem .9rem .8rem}
legend{font-weight:600;padding:0 .3rem}
label.choice{display:flex;gap:.5rem;align-items:baseline;padding:.2rem 0}
select,textarea{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.4rem}
textarea{width:100%;min-height:5.5rem}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow:auto;font-size:.85rem;max-height:32rem;white-space:pre-wrap;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
.method{display:inline-block;font:600 .8rem ui-monospace,monospace;color:#fff;border-radius:4px;padding:.1rem .45rem;margin-right:.5rem;background:#6e7781}
.m-GET{background:var(--ok)}.m-POST{background:var(--info)}.m-PUT,.m-PATCH{background:var(--warn)}.m-DELETE{background:var(--bad)}
.actions{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.25rem;flex-wrap:wrap}
button{font:inherit;font-weight:600;border-radius:8px;padding:.55rem 1.2rem;cursor:pointer;border:1px solid var(--line);background:var(--card);color:var(--fg)}
button.approve{background:var(--ok);border-color:var(--ok);color:#fff}
button.deny{color:var(--bad);border-color:var(--bad)}
button.link{border:0;background:none;padding:0;color:var(--info);font-weight:400;text-decoration:underline}
button:disabled{opacity:.45;cursor:not-allowed}
a{color:var(--info)}
`);

function topBar(ctx: PageContext): SafeHtml {
  const who = ctx.viewer
    ? html`<span>Signed in as <strong>${ctx.viewer.email}</strong>
        <form method="post" action="${ctx.basePath}/auth/sign-out"><button class="link" type="submit">Sign out</button></form></span>`
    : html`<span></span>`;
  return html`<header class="top"><span><strong>Countersign</strong></span>${who}</header>`;
}

/** A complete HTML document; the caller picks the status code and sends it with the security headers. */
export function layout(ctx: PageContext, parts: PageParts): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${parts.title} · Countersign</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${topBar(ctx)}
<section class="card ${parts.tone}">
${parts.badge ? html`<span class="badge">${parts.badge}</span>` : ''}
${parts.body}
</section>
</main>
</body>
</html>
`.value;
}
