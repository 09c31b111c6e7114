// An MCP SDK (v2) client connected to our server with a bearer token, per protocol revision, plus helpers to read tool results.
import {
  type CallToolRequestOptions,
  type CallToolResult,
  Client,
  type ClientCapabilities,
  type FetchLike,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';

/** The revisions we serve: 2026-07-28 negotiated with server/discover, the 2025 ones with initialize. */
export const REVISIONS = ['2026-07-28', '2025-11-25', '2025-06-18'] as const;
export type Revision = (typeof REVISIONS)[number];

export interface ConnectOptions {
  /** Default: negotiate (`auto`), which lands on 2026-07-28 with our server. */
  revision?: Revision;
  capabilities?: ClientCapabilities;
  fetch?: FetchLike;
}

export async function connectClient(
  baseUrl: string,
  token: string,
  name = 'e2e-client',
  options: ConnectOptions = {},
): Promise<Client> {
  const { revision } = options;
  const client = new Client(
    { name, version: '1.0.0' },
    {
      capabilities: options.capabilities ?? {},
      versionNegotiation: {
        mode: revision === undefined ? 'auto' : revision === '2026-07-28' ? { pin: revision } : 'legacy',
      },
      // A 2025 client offers exactly its own revision at initialize.
      ...(revision && revision !== '2026-07-28' ? { supportedProtocolVersions: [revision] } : {}),
    },
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  await client.connect(transport);
  return client;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options?: CallToolRequestOptions,
): Promise<CallToolResult & { structuredContent?: Record<string, any> }> {
  return (await client.callTool({ name, arguments: args }, options)) as CallToolResult & {
    structuredContent?: Record<string, any>;
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
