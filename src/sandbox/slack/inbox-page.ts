// The inbox page shell: inline CSS and a small vanilla script that polls the stand-in and sends clicks.

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1d1c1d;background:#f8f8f8;height:100vh;display:flex;flex-direction:column}
header{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#3f0e40;color:#fff}
header h1{font-size:1rem;margin:0;flex:1}header label{font-weight:600}
header select{font:inherit;padding:.25rem .5rem;border-radius:4px;border:0}
.layout{flex:1;display:flex;min-height:0}
nav{width:15rem;background:#4a154b;color:#e8dfe8;padding:.75rem 0;overflow:auto}
nav h2{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;margin:.75rem 1rem .25rem;color:#cdb9cd}
nav button{display:block;width:100%;text-align:left;background:none;border:0;color:inherit;font:inherit;padding:.3rem 1rem;cursor:pointer}
nav button:hover{background:#5b2a5c}nav button.active{background:#1164a3;color:#fff}
nav .count{float:right;opacity:.7;font-size:.8rem}
main{flex:1;display:flex;flex-direction:column;min-width:0;background:#fff}
main h2{margin:0;padding:.6rem 1rem;border-bottom:1px solid #ddd;font-size:1rem}
#messages{flex:1;overflow:auto;padding:.5rem 1rem}
#status{padding:.4rem 1rem;border-top:1px solid #ddd;font-size:.85rem;color:#616061;min-height:2rem}
#status.error{color:#a4133c}
#composer{display:flex;gap:.5rem;padding:.5rem 1rem;border-top:1px solid #ddd}#composer input{flex:1}
.msg{padding:.5rem .25rem;border-bottom:1px solid #f0f0f0}.msg.reply{margin-left:2rem}
.msg.ephemeral{background:#f4f8fd;border-left:3px solid #1264a3;padding-left:.6rem}
.meta{color:#616061;font-size:.8rem;margin-bottom:.2rem}.meta b{color:#1d1c1d;font-size:.9rem}
.edited{color:#868686;font-size:.75rem}
.blk{margin:.35rem 0}.blk.header{font-size:1.1rem;margin:.4rem 0}.blk.context{color:#616061;font-size:.8rem;display:flex;gap:.5rem;flex-wrap:wrap}
.blk.section{display:flex;gap:1rem}.blk.section .main{flex:1}.fields{display:grid;grid-template-columns:1fr 1fr;gap:.25rem 1rem}
hr.blk{border:0;border-top:1px solid #ddd}.blk.input .label{font-weight:700;margin-bottom:.2rem}.hint{color:#616061;font-size:.8rem}
.choices{display:flex;flex-direction:column;gap:.15rem}.opt{display:flex;gap:.4rem;align-items:flex-start;cursor:pointer}.opt small{display:block;color:#616061}
.blk.actions{display:flex;gap:.5rem;flex-wrap:wrap}
.btn{font:inherit;font-weight:600;padding:.3rem .9rem;border-radius:4px;border:1px solid #bbb;background:#fff;color:#1d1c1d;cursor:pointer;text-decoration:none}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
select,input[type=text],input[type=number],input[type=email],input[type=url],textarea{font:inherit;padding:.3rem;border:1px solid #bbb;border-radius:4px;min-width:14rem}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.4rem;border-radius:4px;white-space:pre-wrap;margin:.2rem 0}
code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 .2rem;color:#c01343}
.quote{display:block;border-left:4px solid #ddd;padding-left:.5rem}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 .1rem}
.img,.unsupported{color:#868686;font-style:italic}.empty{color:#868686}
`;

const SCRIPT = `
const base = location.pathname.replace(/\\/$/, '');
const params = new URLSearchParams(location.search);
let as = params.get('as') || '';
let conv = params.get('conv') || '';
let busy = false;
let again = false;
const $ = (s) => document.querySelector(s);
const TEXTUAL = ['plain_text_input', 'number_input', 'email_text_input', 'url_text_input', 'datepicker', 'timepicker'];

function setStatus(text, error) {
  const el = $('#status');
  el.textContent = text;
  el.className = error ? 'error' : '';
}

function renderPicker(people) {
  const sel = $('#as');
  const sig = people.map((p) => p.id).join();
  if (sel.dataset.sig !== sig) {
    sel.replaceChildren(...people.map((p) => new Option(p.label, p.id)));
    sel.dataset.sig = sig;
  }
  sel.value = as;
}

function renderConversations(list) {
  const nav = $('#conversations');
  nav.replaceChildren();
  let section = '';
  for (const c of list) {
    if (c.section !== section) {
      section = c.section;
      const h = document.createElement('h2');
      h.textContent = section;
      nav.append(h);
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = c.label;
    b.setAttribute('data-testid', 'conv-' + c.id);
    if (c.id === conv) b.className = 'active';
    if (c.count) {
      const n = document.createElement('span');
      n.className = 'count';
      n.textContent = String(c.count);
      b.append(n);
    }
    b.onclick = () => { conv = c.id; refresh(); };
    nav.append(b);
  }
}

// Replaces only items whose revision changed, so ticks and typing in other messages survive each poll.
function renderItems(items) {
  const box = $('#messages');
  const existing = new Map([...box.children].map((el) => [el.dataset.key, el]));
  const wanted = new Set(items.map((i) => i.key));
  for (const [key, el] of existing) if (!wanted.has(key)) el.remove();
  let added = false;
  items.forEach((item, i) => {
    let el = existing.get(item.key);
    if (!el || el.dataset.rev !== item.rev) {
      const t = document.createElement('template');
      t.innerHTML = item.html.trim();
      const fresh = t.content.firstElementChild;
      fresh.dataset.key = item.key;
      fresh.dataset.rev = item.rev;
      if (el) el.replaceWith(fresh); else added = true;
      el = fresh;
    }
    if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
  });
  $('#empty').hidden = items.length > 0;
  if (added) box.scrollTop = box.scrollHeight;
}

async function refresh() {
  // A switch of person or conversation while a poll is in flight is fetched right after it, not dropped.
  if (busy) { again = true; return; }
  busy = true;
  const asked = { as, conv };
  try {
    const res = await fetch(base + '/data?' + new URLSearchParams(asked), { cache: 'no-store' });
    const data = await res.json();
    if (as !== asked.as || conv !== asked.conv) { again = true; return; }
    as = data.as;
    conv = data.conv;
    history.replaceState(null, '', '?' + new URLSearchParams({ as, conv }));
    renderPicker(data.people);
    renderConversations(data.conversations);
    $('#title').textContent = data.title;
    renderItems(data.items);
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus('Stand-in unreachable: ' + e.message, true);
  } finally {
    busy = false;
    if (again) { again = false; refresh(); }
  }
}

/** The message's current form values by action id, as state overrides for the click. */
function collectState(article) {
  const state = {};
  for (const el of article.querySelectorAll('[data-action-id]')) {
    const id = el.dataset.actionId;
    const kind = el.dataset.kind;
    if (kind === 'checkboxes') {
      state[id] = state[id] || [];
      if (el.checked) state[id].push(el.value);
    } else if (kind === 'radio_buttons') {
      if (!(id in state)) state[id] = null;
      if (el.checked) state[id] = el.value;
    } else if (kind === 'static_select') state[id] = el.value || null;
    else if (kind === 'multi_static_select') state[id] = [...el.selectedOptions].map((o) => o.value);
    else if (TEXTUAL.includes(kind)) state[id] = el.value === '' ? null : el.value;
  }
  return state;
}

async function send(el, value) {
  const article = el.closest('article');
  const body = {
    as,
    surface: article.dataset.surface,
    channel: article.dataset.channel,
    ts: article.dataset.ts,
    actionId: el.dataset.actionId,
    blockId: el.dataset.blockId,
    value,
    state: collectState(article),
  };
  setStatus('Sending ' + body.actionId + '…');
  delete $('#status').dataset.result;
  try {
    const res = await fetch(base + '/click', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const r = await res.json();
    const ok = !r.error && r.status >= 200 && r.status < 300;
    const text = r.error
      ? 'Not delivered: ' + r.error + (r.status ? ' (HTTP ' + r.status + ')' : '')
      : 'Delivered ' + body.actionId + ' over ' + r.via + ': HTTP ' + r.status + ' in ' + r.ackMs + ' ms';
    setStatus(text, !ok);
    $('#status').dataset.result = ok ? 'ok' : 'error';
  } catch (e) {
    setStatus('Click failed: ' + e.message, true);
  }
  refresh();
}

$('#messages').addEventListener('click', (e) => {
  const el = e.target.closest('[data-action-id]');
  if (!el || el.dataset.kind !== 'button') return;
  if (el.dataset.confirm) {
    const c = JSON.parse(el.dataset.confirm);
    const text = [c.title && c.title.text, c.text && c.text.text].filter(Boolean).join('\\n\\n');
    if (!window.confirm(text)) { e.preventDefault(); return; }
  }
  if (el.tagName !== 'A') e.preventDefault();
  send(el, el.dataset.value);
});

$('#messages').addEventListener('change', (e) => {
  const el = e.target.closest('[data-dispatch]');
  if (!el || el.dataset.kind === 'button') return;
  const value = el.tagName === 'SELECT' && !el.multiple ? el.value || undefined : undefined;
  send(el, value);
  if (el.dataset.kind === 'overflow') el.value = '';
});

// A slash command typed in the message box goes to the app as Slack sends it; other text is not sent anywhere.
$('#composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('#say');
  const typed = input.value.trim();
  const match = /^(\\/[a-z0-9_-]+)(?:\\s+([\\s\\S]*))?$/i.exec(typed);
  if (!match) { setStatus('Only slash commands can be sent here, e.g. /countersign help', true); return; }
  setStatus('Sending ' + match[1] + '…');
  try {
    const res = await fetch(base + '/command', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ as, channel: conv, command: match[1], text: match[2] || '' }),
    });
    const r = await res.json();
    const ok = !r.error && r.status >= 200 && r.status < 300;
    setStatus(r.error ? 'Not delivered: ' + r.error : 'Sent ' + match[1] + ' over ' + r.via + ': HTTP ' + r.status + ' in ' + r.ackMs + ' ms', !ok);
    if (ok) input.value = '';
  } catch (err) {
    setStatus('Command failed: ' + err.message, true);
  }
  refresh();
});

$('#as').addEventListener('change', (e) => { as = e.target.value; conv = ''; refresh(); });
refresh();
setInterval(refresh, 1000);
`;

export function inboxPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slack (sandbox)</title><style>${STYLE}</style></head>
<body>
<header><h1>Slack <small>(sandbox stand-in)</small></h1>
<label for="as">You are:</label><select id="as" data-testid="as-picker" aria-label="You are"></select></header>
<div class="layout">
<nav id="conversations" aria-label="Conversations" data-testid="conversations"></nav>
<main><h2 id="title" data-testid="conversation-title"></h2>
<div id="messages" data-testid="messages" aria-live="polite"></div>
<p id="empty" class="empty" hidden style="padding:0 1rem">No messages yet.</p>
<form id="composer" data-testid="composer"><input id="say" type="text" data-testid="message-box" aria-label="Message"
 placeholder="Type /countersign help, /countersign list, /countersign audit @alice …" autocomplete="off">
<button class="btn" type="submit">Send</button></form>
<div id="status" data-testid="click-result" role="status"></div></main>
</div>
<script>${SCRIPT}</script>
</body></html>`;
}
