// A round-robin "load balancer" inside the MCP client's fetch: each POST goes to the next server, and is recorded.
import type { FetchLike } from '@modelcontextprotocol/client';

export interface Served {
  origin: string;
  body: { method?: string; params?: Record<string, unknown> };
  /** The JSON answer (not SSE ones), read from a clone once it arrives. */
  reply?: { result?: { inputRequests?: Record<string, unknown> } };
}

export function roundRobin(origins: () => string[]) {
  let next = 0;
  const served: Served[] = [];
  const fetchLike: FetchLike = async (url, init) => {
    const all = origins();
    const origin = all[next++ % all.length]!;
    const target = new URL(url);
    const routed = new URL(`${target.pathname}${target.search}`, origin);
    const response = await fetch(routed, init);
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const entry: Served = { origin, body: JSON.parse(init.body) };
      served.push(entry);
      const type = response.headers.get('content-type') ?? '';
      if (type.startsWith('application/json')) entry.reply = await response.clone().json();
      // One exchange per POST: its stream ends with the answer, the last data frame.
      else if (type.startsWith('text/event-stream')) entry.reply = lastFrame(await response.clone().text());
    }
    return response;
  };
  /** The tools/call requests for one tool, in order, with the server each went to. */
  const calls = (tool: string) =>
    served.filter((s) => s.body.method === 'tools/call' && s.body.params?.name === tool);
  return { fetch: fetchLike, served, calls };
}

function lastFrame(stream: string): Served['reply'] {
  const data = stream
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter(Boolean);
  return data.length > 0 ? JSON.parse(data.at(-1)!) : undefined;
}
