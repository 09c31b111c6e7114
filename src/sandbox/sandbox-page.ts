// The sandbox guide page: how to point an MCP client at this server and try the whole flow.
import type { Config } from '../config.js';
import { ALICE, BOB, CAROL, DANA, MALLORY } from './people.js';
import { SANDBOX_POLICY_FILE } from './sandbox-policy.js';

const esc = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function sandboxPage(config: Config, token: string, slackInboxUrl: string | null): string {
  const mcpUrl = `${config.publicUrl}/mcp`;
  const claudeOAuth = `claude mcp add --transport http countersign ${mcpUrl}`;
  const claude = `${claudeOAuth} --header "Authorization: Bearer ${token}"`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Countersign sandbox</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,pre{background:#f3f3f5;border-radius:6px;padding:.15rem .35rem;font-size:13px}pre{padding:.8rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.note{background:#fff7e0;border:1px solid #f0d58c;border-radius:8px;padding:.6rem .9rem}</style></head><body>
<h1>Countersign sandbox</h1>
<p class="note">Sandbox mode: WorkOS and the provider APIs are local stand-ins on loopback. Nothing leaves this machine.</p>
<h2>1. Connect an MCP client</h2>
<p>MCP endpoint: <code>${esc(mcpUrl)}</code></p>
<p>Claude Code, signing in with OAuth (no token to copy): add the server, then run <code>/mcp</code> in Claude Code and
choose <em>Authenticate</em>. A browser tab opens on the sandbox sign-in page: pick ${esc(ALICE.firstName)}.</p>
<pre>${esc(claudeOAuth)}</pre>
<p>Or paste a bearer token for ${esc(ALICE.firstName)} (${esc(ALICE.email)}), valid 12 hours, restarts included:</p>
<pre>${esc(token)}</pre>
<pre>${esc(claude)}</pre>
<h2>2. Ask for access</h2>
<p>Ask the assistant to create a Linear issue (a write). It calls <code>request_elevated_access</code> and shows you a consent link.
${
  config.policy.file === SANDBOX_POLICY_FILE
    ? `The sandbox policy (policy.sandbox.yml) approves a read on Linear (say, listing your issues) at once; other reads wait in ${esc(ALICE.firstName)}'s own Slack DM for her to approve herself; a write on Snowflake needs two of @data-team (${esc(BOB.firstName)} and ${esc(CAROL.firstName)}).`
    : config.policy.selfApprove === 'read'
      ? `A read (say, listing your issues) is one ${esc(ALICE.firstName)} may approve herself: it waits in her own Slack DM instead.`
      : ''
}</p>
<h2>3. Decide</h2>
${
  slackInboxUrl
    ? `<p>In Slack: open the <a href="${esc(slackInboxUrl)}">local Slack workspace</a>, view it as ${esc(BOB.firstName)}
(an approver, through the @approvers group) and decide in #access-approvals: untick providers, add a note, Approve or Deny.
${esc(ALICE.firstName)} gets the outcome as a direct message; every decision is logged in #general.
View it as ${esc(DANA.firstName)} (the admin) to see every grant and the audit in the app's Home tab, or type
<code>/countersign help</code> in any conversation.</p>
<p>Or on the web:</p>`
    : ''
}
<p>Open the link and sign in as one of the sandbox people: ${esc(ALICE.email)} (the requester),
${esc(BOB.email)} (an approver) or ${esc(MALLORY.email)} (a stranger, who is refused).</p>
</body></html>`;
}
