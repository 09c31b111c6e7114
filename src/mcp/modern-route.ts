// Tells, from one header and the body's shape, that the SDK would route a POST to its modern (2026-07-28) path,
// so the common case skips a second classification (`isLegacyRequest`) before `createMcpHandler` runs its own.

/** The modern revisions we serve; a header naming one of them is the 2026-07-28 client's signature. */
const MODERN_REVISIONS: ReadonlySet<string> = new Set(['2026-07-28']);

/**
 * True only when the SDK's own classification cannot answer "legacy": a POST whose MCP-Protocol-Version header names a
 * modern revision and the body is a single JSON-RPC object that is not a response. Batches and posted responses
 * are legacy whatever the header says, so they (and every other case) return false and go through
 * `isLegacyRequest`. A false answer means "ask the SDK", never "legacy".
 */
export function routesModern(
  httpMethod: string,
  protocolVersionHeader: string | undefined,
  body: unknown,
): boolean {
  if (httpMethod !== 'POST') return false;
  if (protocolVersionHeader === undefined || !MODERN_REVISIONS.has(protocolVersionHeader)) return false;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  return !('result' in body) && !('error' in body);
}
