// The stand-in's two browser pages: pick a sandbox person to sign in as, and "provider connected".
import type { SandboxPerson } from '../people.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;font-size:1rem;text-align:left;cursor:pointer}
button:hover{background:#eaeef2} small{color:#59636e}
</style></head><body>${body}</body></html>`;
}

/**
 * Sign-in page: each person is a submit button of a GET form that repeats the authorize request with a
 * `login_hint`, so choosing someone takes exactly the path tests take.
 */
export function signInPage(
  action: string,
  params: Record<string, string>,
  people: readonly SandboxPerson[],
): string {
  const hidden = Object.entries(params)
    .filter(([name]) => name !== 'login_hint')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const buttons = people
    .map(
      (p) =>
        `<button type="submit" name="login_hint" value="${escapeHtml(p.email)}">${escapeHtml(`${p.firstName} ${p.lastName}`)}<br><small>${escapeHtml(p.email)} · ${escapeHtml(p.role)}</small></button>`,
    )
    .join('');
  return page(
    'Sign in (sandbox)',
    `<h1>Sign in</h1><p class="note">Sandbox sign-in: no password. Choose who you are.</p><form method="get" action="${escapeHtml(action)}">${hidden}${buttons}</form>`,
  );
}

export function connectedPage(providerName: string, person: SandboxPerson, returnTo: string | null): string {
  const back = returnTo
    ? `<p><a href="${escapeHtml(returnTo)}">Continue</a></p>`
    : '<p>You can close this tab and go back to your assistant.</p>';
  return page(
    `${providerName} connected`,
    `<h1>${escapeHtml(providerName)} connected</h1><p>${escapeHtml(providerName)} is now connected for ${escapeHtml(person.email)}.</p><p class="note">Sandbox: no real ${escapeHtml(providerName)} account was involved.</p>${back}`,
  );
}

export function errorPage(message: string): string {
  return page('Sign-in problem', `<h1>Something is wrong with this link</h1><p>${escapeHtml(message)}</p>`);
}
