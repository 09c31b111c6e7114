// The three imitated provider APIs of the demo provider: just enough Linear, Notion and Snowflake to exercise calls.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SANDBOX_PEOPLE } from './people.js';

export type DemoProviderId = 'linear' | 'notion' | 'snowflake';

export interface Who {
  provider: string;
  userId: string;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: string,
  who: Who,
) => void;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

export function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function person(userId: string) {
  const p = SANDBOX_PEOPLE.find((candidate) => candidate.id === userId);
  return {
    id: userId,
    name: p ? `${p.firstName} ${p.lastName}` : userId,
    email: p?.email ?? `${userId}@sandbox.test`,
  };
}

// Each provider's own 401 body, so error handling is exercised on realistic shapes.
export const UNAUTHORIZED: Record<DemoProviderId, unknown> = {
  linear: {
    errors: [
      {
        message: 'Authentication required, not authenticated',
        extensions: { type: 'authentication error', code: 'AUTHENTICATION_ERROR', statusCode: 401 },
      },
    ],
  },
  notion: { object: 'error', status: 401, code: 'unauthorized', message: 'API token is invalid.' },
  snowflake: { code: '390303', message: 'Invalid OAuth access token. ' },
};

export const linear: Handler = (req, res, path, body, who) => {
  if (!path.startsWith('/graphql') || (path.length > 8 && path[8] !== '?')) {
    return send(res, 404, { errors: [{ message: 'Not found' }] });
  }
  const query =
    req.method === 'GET'
      ? new URL(path, 'http://linear').searchParams.get('query')
      : (parseJson(body)?.query as string | undefined);
  if (typeof query !== 'string' || query.trim() === '') {
    return send(res, 400, {
      errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_USER_INPUT' } }],
    });
  }
  if (/^\s*(?:#[^\n]*\n\s*)*mutation\b/.test(query)) {
    return send(res, 200, {
      data: {
        issueCreate: {
          success: true,
          issue: { id: randomUUID(), identifier: 'SBX-42', title: 'Created in the sandbox' },
        },
      },
    });
  }
  send(res, 200, {
    data: {
      viewer: {
        ...person(who.userId),
        assignedIssues: {
          nodes: [
            { id: 'issue-sbx-1', identifier: 'SBX-1', title: 'Try Countersign', state: { name: 'Todo' } },
          ],
        },
      },
    },
  });
};

const notionPage = (id: string, title = 'Sandbox page') => ({
  object: 'page',
  id,
  created_time: '2026-01-15T12:00:00.000Z',
  last_edited_time: '2026-01-15T12:00:00.000Z',
  archived: false,
  in_trash: false,
  url: `https://www.notion.so/${id.replace(/-/g, '')}`,
  parent: { type: 'workspace', workspace: true },
  properties: {
    title: {
      id: 'title',
      type: 'title',
      title: [{ type: 'text', plain_text: title, text: { content: title } }],
    },
  },
});

const notionList = (results: unknown[], type: string) => ({
  object: 'list',
  results,
  next_cursor: null,
  has_more: false,
  type,
  [type]: {},
});

export function notion(
  redirectTo: string,
  slowMs: number,
  timers: Set<NodeJS.Timeout>,
  big: () => Buffer,
): Handler {
  return (req, res, path, _body, _who) => {
    const pathname = path.split('?', 1)[0]!;
    // Test paths first: they stand for misbehaving upstreams, whatever the method.
    if (pathname === '/v1/pages/redirect') {
      res.writeHead(302, { location: redirectTo, 'content-length': 0 });
      return res.end();
    }
    if (pathname === '/v1/pages/big') {
      const buffer = big();
      res.writeHead(200, { ...JSON_HEADERS, 'content-length': buffer.length });
      return res.end(buffer);
    }
    if (pathname === '/v1/pages/slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, 200, notionPage('slow', 'Slow page'));
      }, slowMs);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
      return;
    }
    if (!req.headers['notion-version']) {
      return send(res, 400, {
        object: 'error',
        status: 400,
        code: 'missing_version',
        message:
          'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.',
      });
    }
    const method = req.method ?? 'GET';
    if (method === 'POST' && pathname === '/v1/search') {
      const results = [notionPage('page-sbx-1'), notionPage('page-sbx-2', 'Roadmap')];
      return send(res, 200, notionList(results, 'page_or_data_source'));
    }
    if (method === 'POST' && pathname === '/v1/pages')
      return send(res, 200, notionPage(randomUUID(), 'New page'));
    const page = /^\/v1\/pages\/([^/]+)$/.exec(pathname);
    if (page && (method === 'GET' || method === 'PATCH')) return send(res, 200, notionPage(page[1]!));
    const source = /^\/v1\/data_sources\/([^/]+)\/query$/.exec(pathname);
    if (source && method === 'POST') {
      const rows = [notionPage(`${source[1]}-row-1`, 'Row one'), notionPage(`${source[1]}-row-2`, 'Row two')];
      return send(res, 200, notionList(rows, 'page_or_data_source'));
    }
    send(res, 400, {
      object: 'error',
      status: 400,
      code: 'invalid_request_url',
      message: 'Invalid request URL.',
    });
  };
}

export const snowflake: Handler = (req, res, path, body, _who) => {
  const pathname = path.split('?', 1)[0]!;
  const handle = randomUUID();
  const resultSet = (statement: string) => ({
    resultSetMetaData: {
      numRows: 2,
      format: 'jsonv2',
      partitionInfo: [{ rowCount: 2, uncompressedSize: 64 }],
      rowType: [
        {
          name: 'ID',
          database: 'SANDBOX',
          schema: 'PUBLIC',
          table: 'ITEMS',
          type: 'fixed',
          nullable: false,
          precision: 38,
          scale: 0,
        },
        {
          name: 'NAME',
          database: 'SANDBOX',
          schema: 'PUBLIC',
          table: 'ITEMS',
          type: 'text',
          nullable: true,
          length: 255,
        },
      ],
    },
    data: [
      ['1', 'alpha'],
      ['2', 'beta'],
    ],
    code: '090001',
    statementStatusUrl: `/api/v2/statements/${handle}`,
    requestId: randomUUID(),
    sqlState: '00000',
    statementHandle: handle,
    message: 'Statement executed successfully.',
    createdOn: Date.now(),
    statement,
  });
  if (req.method === 'POST' && pathname === '/api/v2/statements') {
    const statement = parseJson(body)?.statement;
    if (typeof statement !== 'string' || statement.trim() === '') {
      return send(res, 400, {
        code: '391902',
        message: 'The statement field is required.',
        sqlState: '42601',
      });
    }
    return send(res, 200, resultSet(statement));
  }
  if (req.method === 'GET' && /^\/api\/v2\/statements\/[^/]+$/.test(pathname))
    return send(res, 200, resultSet(''));
  send(res, 404, { code: '390404', message: 'Not found.' });
};
