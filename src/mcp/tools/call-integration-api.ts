// call_integration_api: one call to a provider API under an approved grant, with the provider token injected.
import { z } from 'zod';
import {
  apiEvent,
  type CallAudit,
  errorCode,
  grantFields,
  newCallId,
  ownerFields,
  upstreamTarget,
  workosActor,
} from '../../audit/fields.js';
import type { Actor, Grant, HttpMethod } from '../../grants/types.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { timeUpstream } from '../../ops/metrics.js';
import type { UpstreamResponse } from '../../pipes/proxy.js';
import type { Provider } from '../../providers/types.js';
import { checkBodyBounds } from '../body-bounds.js';
import { type CallerIdentity, callerFrom } from '../identity.js';
import {
  type Away,
  awayOf,
  errorResult,
  guarded,
  type RegisterTool,
  type ToolDeps,
  ToolError,
  textResult,
} from '../tool-kit.js';
import { ownedBy } from './check-access-request.js';
import { FLOW } from './flow.js';
import { resolveProviderUrl } from './provider-url.js';
import { HTTP_METHODS } from './request-elevated-access.js';

const outputShape = {
  ok: z.boolean().describe('True for a 2xx answer'),
  status: z.number().describe('Upstream HTTP status'),
  provider: z.string(),
  requestId: z.string().describe('The grant the call was made under'),
  body: z.unknown().describe('Parsed JSON, or text'),
  truncated: z.boolean().describe('The answer was larger than the cap and was cut'),
  bytes: z.number(),
};

export const registerCallIntegrationApi: RegisterTool = (server, deps) => {
  server.registerTool(
    'call_integration_api',
    {
      title: 'Call Integration API',
      description: `Call a supported provider API (provider detected from the URL); the provider token is added for you. Needs approved access: read for GET, GraphQL queries, searches and read-only SQL; write for everything else. For a per-call approval pass its requestId and exactly the approved method, URL and body. ${FLOW}`,
      inputSchema: z.object({
        url: z.string().min(1).max(4096).describe('Full provider API URL'),
        method: z
          .enum(HTTP_METHODS)
          .optional()
          .describe('HTTP method (default POST, or the approved one with requestId)'),
        body: z
          .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
          .optional()
          .describe('JSON body'),
        headers: z
          .record(z.string().max(64), z.string().max(1024))
          .optional()
          .describe(
            'Extra headers; only accept, accept-language, if-match, if-none-match, if-modified-since, idempotency-key and x-request-id are passed on',
          ),
        requestId: z.string().min(1).max(200).optional().describe('Per-call approval to use (single use)'),
      }),
      outputSchema: z.object(outputShape),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    guarded(deps, 'call_integration_api', async (args, ctx) => {
      checkBodyBounds(args.body);
      const caller = callerFrom(ctx.http?.authInfo);
      const { provider, url } = resolveProviderUrl(deps, args.url);
      // Parsed once: the level check, the audit's target and the proxy all read this one URL.
      const target = new URL(url);
      const audit: CallAudit = { ...ownerFields(caller), callId: newCallId() };
      let grant: Grant;
      let method: HttpMethod;
      let body: unknown;
      if (args.requestId) {
        const by: Actor = { type: 'assistant', id: caller.userId, email: caller.userEmail, via: 'mcp' };
        ({ grant, method, body } = await usePerCallApproval(
          deps,
          caller,
          by,
          audit,
          args.requestId,
          url,
          args,
        ));
      } else {
        method = args.method ?? 'POST';
        body = args.body;
        grant = await authorizeBroad(deps, caller, audit, provider, method, target, body);
      }
      // A broad grant's use was counted when it was authorized; a per-call approval's is counted after the call.
      const counted = !args.requestId;
      return forward(
        deps,
        awayOf(deps, ctx),
        caller,
        audit,
        { grant, counted },
        provider,
        method,
        target,
        body,
        args.headers,
      );
    }),
  );
};

/** The session's broad grant checked for this call and the call counted, in one Redis round trip. */
async function authorizeBroad(
  deps: ToolDeps,
  caller: CallerIdentity,
  audit: CallAudit,
  provider: Provider,
  method: HttpMethod,
  url: URL,
  body: unknown,
): Promise<Grant> {
  const needed = provider.requiredLevel({ method, url, body });
  const authorized = await deps.store.authorizeUse(caller, { provider: provider.id, level: needed });
  if (authorized.ok) return authorized.grant;
  const grant = authorized.code === 'no_access' ? null : authorized.grant;
  deps.audit.record({
    type: 'api.refused',
    ...audit,
    ...(grant ? grantFields(grant) : {}),
    provider: provider.id,
    upstream: upstreamTarget(method, url),
    detail: authorized.code,
  });
  switch (authorized.code) {
    case 'no_access':
      throw new ToolError(
        'no_access',
        `This session has no approved access. Call request_elevated_access with kind "session", level "${needed}" and providers ["${provider.id}"].`,
      );
    case 'provider_not_granted':
      throw new ToolError(
        'provider_not_granted',
        `Access to ${provider.displayName} was not granted (granted: ${authorized.grant.providers.join(', ') || 'none'}). Request it with request_elevated_access.`,
      );
    case 'write_not_granted':
      throw new ToolError(
        'write_not_granted',
        `This ${method} call to ${provider.displayName} writes, but only read access was granted. Request level "write" if the user wants it.`,
      );
  }
}

/** Checks the call against the approved one before using the approval up: a mismatch leaves it usable. */
async function usePerCallApproval(
  deps: ToolDeps,
  caller: CallerIdentity,
  by: Actor,
  audit: CallAudit,
  requestId: string,
  url: string,
  args: { method?: HttpMethod; body?: unknown },
): Promise<{ grant: Grant; method: HttpMethod; body: unknown }> {
  const grant = await deps.store.get(requestId);
  // Refusals name the approval asked for: using someone else's, or a spent one, is worth a trace.
  const refused = (code: string, method: string) =>
    deps.audit.record({
      type: 'api.refused',
      ...audit,
      grantId: requestId,
      kind: grant?.kind,
      provider: grant?.providers[0],
      upstream: upstreamTarget(method, url),
      detail: code,
    });
  if (!ownedBy(grant, caller) || grant.kind !== 'request' || !grant.request) {
    refused('approval_not_found', args.method ?? 'POST');
    throw new ToolError('approval_not_found', `No per-call approval ${requestId} for this session.`);
  }
  if (grant.status !== 'approved') {
    const hint =
      grant.status === 'pending'
        ? 'It is still pending: call check_access_request with waitSeconds.'
        : `It is ${grant.status}.`;
    refused('approval_not_usable', args.method ?? grant.request.method);
    throw new ToolError('approval_not_usable', `Per-call approval ${requestId} cannot be used. ${hint}`);
  }
  const approved = grant.request;
  const method = args.method ?? approved.method;
  const body =
    args.body === undefined ? (approved.body === null ? undefined : JSON.parse(approved.body)) : args.body;
  const mismatches: string[] = [];
  if (method !== approved.method) mismatches.push(`method ${method} (approved ${approved.method})`);
  if (url !== approved.url) mismatches.push(`URL ${url} (approved ${approved.url})`);
  if ((body === undefined ? null : canonicalJson(body)) !== approved.body) {
    mismatches.push(
      approved.body === null
        ? 'a body (the approved call has none)'
        : 'the body differs from the approved one',
    );
  }
  if (mismatches.length > 0) {
    refused('call_mismatch', method);
    throw new ToolError(
      'call_mismatch',
      `This call does not match approval ${requestId}: ${mismatches.join('; ')}. The approval was not used; call again with exactly the approved request.`,
    );
  }
  const consumed = await deps.store.consume(requestId, caller, by);
  if (!consumed.ok) {
    refused('approval_not_usable', method);
    throw new ToolError(
      'approval_not_usable',
      `Per-call approval ${requestId} was already used or is no longer valid.`,
    );
  }
  deps.audit.record({
    type: 'grant.consumed',
    ...audit,
    ...grantFields(grant),
    actor: workosActor('assistant', 'mcp', { id: caller.userId, email: caller.userEmail }),
    provider: grant.providers[0],
  });
  return { grant: consumed.grant, method, body };
}

/** `away` runs the waits on WorkOS and the provider without holding a turn at the work gate. */
async function forward(
  deps: ToolDeps,
  away: Away,
  caller: CallerIdentity,
  audit: CallAudit,
  { grant, counted }: { grant: Grant; counted: boolean },
  provider: Provider,
  method: HttpMethod,
  target: URL,
  body: unknown,
  headers: Record<string, string> | undefined,
) {
  let token: string;
  try {
    token =
      deps.tokens.cached(provider.id, caller.userId, caller.organizationId) ??
      (await away(() => deps.tokens.get(provider.id, caller.userId, caller.organizationId)));
  } catch (error) {
    deps.audit.record(
      apiEvent('api.refused', audit, grant, provider.id, upstreamTarget(method, target), errorCode(error)),
    );
    throw error;
  }
  let response: UpstreamResponse;
  try {
    response = await away(() =>
      timeUpstream(provider.id, () =>
        deps.proxy.call({ provider, method, url: target, body, callerHeaders: headers, token }),
      ),
    );
  } catch (error) {
    deps.audit.record(
      apiEvent('api.call', audit, grant, provider.id, {
        method,
        host: target.host,
        path: target.pathname,
        error: errorCode(error),
      }),
    );
    throw error;
  }
  if (response.status === 401)
    deps.tokens.invalidate(provider.id, caller.userId, caller.organizationId, token);
  const outcome = { status: response.status, at: deps.now() };
  if (counted) {
    deps.store.recordOutcome(grant.id, outcome);
    deps.grantUsed?.(grant.id);
  } else {
    void deps.store
      .recordUse(grant.id, outcome)
      .then(() => deps.grantUsed?.(grant.id))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'use count failed'));
  }
  deps.audit.record(
    apiEvent('api.call', audit, grant, provider.id, {
      method,
      host: target.host,
      path: target.pathname,
      status: response.status,
      durationMs: Math.round(response.durationMs * 100) / 100,
    }),
  );
  const ok = response.status >= 200 && response.status < 300;
  const structured = {
    ok,
    status: response.status,
    provider: provider.id,
    requestId: grant.id,
    body: response.body,
    truncated: response.truncated,
    bytes: response.bytes,
  };
  const rendered = typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2);
  const note = response.truncated
    ? `\n(Answer cut at ${response.bytes} bytes: ask for less, e.g. with a limit.)`
    : '';
  if (!ok) {
    return errorResult(
      'upstream_error',
      `${provider.displayName} answered ${response.status}.\n${rendered}${note}`,
      structured,
    );
  }
  return textResult(
    `${provider.displayName} answered ${response.status}.\n\`\`\`json\n${rendered}\n\`\`\`${note}`,
    structured,
  );
}
