// A stand-in for Node's ServerResponse that records what a middleware answered: status, headers, JSON body.
import type { ServerResponse } from 'node:http';

export interface Recorded {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
}

export function recordedResponse(): { res: ServerResponse; sent: Recorded } {
  const sent: Recorded = { headers: {} };
  const res = {
    set statusCode(code: number) {
      sent.status = code;
    },
    setHeader(name: string, value: string | number) {
      sent.headers[name] = String(value);
    },
    end(text: string) {
      sent.body = JSON.parse(text);
    },
  } as unknown as ServerResponse;
  return { res, sent };
}
