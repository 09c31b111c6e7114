// request_elevated_access: ask a person for broad session access or for one exact API call.
import { z } from 'zod';
import { grantFields, newCallId, ownerFields, upstreamTarget, workosActor } from '../../audit/fields.js';
import type { Grant, HttpMethod } from '../../grants/types.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { formatDuration } from '../../lib/duration.js';
import { listIntegrations } from '../../pipes/integrations.js';
import { checkBodyBounds } from '../body-bounds.js';
import { accessOutputShape, accessView, describeAccess } from '../grant-view.js';
import { type CallerIdentity, callerFrom } from '../identity.js';
import { judgeRequest, policyLine, settleReservation } from '../request-policy.js';
import { decideByRule, outsideHoursOf, policyAuditFields } from '../rule-decision.js';
import {
  type Away,
  awayOf,
  guarded,
  type RegisterTool,
  type ToolDeps,
  ToolError,
  textResult,
} from '../tool-kit.js';
import { FLOW } from './flow.js';
import { resolveProviderUrl } from './provider-url.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Approved bodies are shown to a person and stored with the grant: keep them reviewable. */
export const MAX_BODY_BYTES = 128 * 1024;

export const registerRequestElevatedAccess: RegisterTool = (server, deps) => {
  const maxMinutes = Math.floor(deps.config.durations.maxAccessMs / 60_000);
  server.registerTool(
    'request_elevated_access',
    {
      title: 'Request Elevated Access',
      description: `Ask a person to approve access. kind "session": temporary read or write access to providers for this session (preferred). kind "call": one exact API call (method, URL, body), single use; use it only when the user asks for per-call approval. ${FLOW}`,
      inputSchema: z.object({
        kind: z.enum(['session', 'call']).describe('"session" for broad access, "call" for one exact call'),
        level: z.enum(['read', 'write']).optional().describe('Required for kind "session"'),
        providers: z
          .array(z.string().min(1).max(64))
          .max(25)
          .optional()
          .describe('kind "session": providers to ask for; omitted = every connected supported integration'),
        durationMinutes: z
          .number()
          .int()
          .min(1)
          .max(Math.max(1, maxMinutes))
          .optional()
          .describe('kind "session": how long access should last once approved'),
        url: z.string().min(1).max(4096).optional().describe('kind "call": the exact URL'),
        method: z.enum(HTTP_METHODS).optional().describe('kind "call": the HTTP method'),
        body: z
          .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
          .optional()
          .describe(
            'kind "call": the exact JSON body (omit for none: a call approved without a body cannot send one)',
          ),
        reason: z.string().max(2000).optional().describe('Why you need it; shown to the approver'),
      }),
      outputSchema: z.object({ ...accessOutputShape, supersededRequestId: z.string().nullable() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    guarded(deps, 'request_elevated_access', async (args, ctx) => {
      const caller = callerFrom(ctx.http?.authInfo);
      const session = await deps.store.touchSession(caller);
      const reason = args.reason?.trim() || null;
      const away = awayOf(deps, ctx);
      const created =
        args.kind === 'session'
          ? await requestBroad(deps, caller, session.clientName, reason, args, away)
          : {
              grant: await requestCall(deps, caller, session.clientName, reason, args, away),
              superseded: null,
            };
      const { superseded } = created;
      let grant = created.grant;

      const audit = {
        ...ownerFields(caller),
        callId: newCallId(),
        actor: workosActor('assistant', 'mcp', { id: caller.userId, email: caller.userEmail }),
      };
      deps.audit.record({
        type: 'grant.requested',
        ...audit,
        ...grantFields(grant),
        level: grant.level,
        providers: grant.providers,
        ...(grant.request
          ? { upstream: upstreamTarget(grant.request.method, grant.request.url) }
          : { durationMs: grant.durationMs }),
        ...policyAuditFields(grant),
      });
      if (superseded) {
        deps.audit.record({
          type: 'grant.superseded',
          ...audit,
          ...grantFields(superseded),
          detail: grant.id,
        });
      }
      grant = await decideByRule(deps, grant, audit);
      const approvalUrl = await deps.approvalUrl(grant);
      const slack = (await deps.slackDelivery?.(grant.id)) ?? null;
      const view = accessView(grant, deps.now(), approvalUrl, slack);
      const active = args.kind === 'session' ? await deps.store.activeBroad(caller) : null;
      const text = [
        grant.status === 'approved'
          ? `Approved at once by the approval policy (rule ${grant.policy?.decidedByRule}): **${grant.level}** access to ${grant.providers.join(', ')}.`
          : grant.status === 'denied'
            ? outsideHoursOf(grant, grant.policy?.decidedByRule ?? '')
              ? `Denied at once by the approval policy: rule ${grant.policy?.decidedByRule} allows this only within its hours, and it is outside them now.`
              : `Denied at once by the approval policy (rule ${grant.policy?.decidedByRule}).`
            : '',
        grant.status !== 'pending'
          ? ''
          : grant.kind === 'broad'
            ? `Approval needed for **${grant.level}** access to ${grant.providers.join(', ')} for ${formatDuration(grant.durationMs)}.`
            : `Approval needed for one call: ${grant.request?.method} ${grant.request?.url}.`,
        grant.status !== 'pending'
          ? ''
          : deps.config.slack
            ? `The request is on its way to Slack for a decision. The user can also decide at this link (it works until ${new Date(grant.decideBy).toISOString()}): ${approvalUrl}`
            : `Show the user this link (it works until ${new Date(grant.decideBy).toISOString()}): ${approvalUrl}`,
        superseded
          ? `This replaces your earlier pending request ${superseded.id}, whose link no longer works.`
          : '',
        active
          ? `You keep your current ${active.level} access to ${active.providers.join(', ')} until this one is approved.`
          : '',
        policyLine(grant),
        '',
        // The link is in the lines above already: once is clearer for the model and the user.
        describeAccess({ ...view, approvalUrl: null }, grant, deps.registry),
      ]
        .filter((line) => line !== '')
        .join('\n');
      return textResult(text, { ...view, supersededRequestId: superseded?.id ?? null });
    }),
  );
};

interface BroadArgs {
  level?: 'read' | 'write';
  providers?: string[];
  durationMinutes?: number;
}

async function requestBroad(
  deps: ToolDeps,
  caller: CallerIdentity,
  clientName: string | null,
  reason: string | null,
  args: BroadArgs,
  away: Away,
): Promise<{ grant: Grant; superseded: Grant | null }> {
  if (!args.level)
    throw new ToolError('invalid_arguments', 'level ("read" or "write") is required for kind "session".');
  const providers = args.providers?.length
    ? checkProviders(deps, args.providers)
    : await connectedProviders(deps, caller, away);
  const judged = await judgeRequest(
    deps,
    caller,
    {
      kind: 'broad',
      requestedProviders: providers,
      requestedLevel: args.level,
      owner: { ...caller, organizationId: caller.organizationId ?? null },
      clientName,
      request: null,
    },
    reason,
    away,
  );
  const durationMs = args.durationMinutes
    ? args.durationMinutes * 60_000
    : (judged.outcome.defaultDurationMs ?? deps.config.durations.defaultAccessMs);
  const created = await deps.store.createBroad({
    owner: caller,
    clientName,
    reason,
    level: args.level,
    providers,
    durationMs: Math.min(durationMs, deps.config.durations.maxAccessMs),
    policy: judged.record,
  });
  await settleReservation(deps, caller, judged, created.grant);
  return created;
}

function checkProviders(deps: ToolDeps, requested: string[]): string[] {
  const unique = [...new Set(requested.map((p) => p.trim().toLowerCase()))];
  const unknown = unique.filter((p) => !deps.registry.get(p));
  if (unknown.length > 0) {
    throw new ToolError(
      'unknown_provider',
      `Unknown provider(s): ${unknown.join(', ')}. Supported: ${deps.registry.ids().join(', ')}.`,
    );
  }
  return unique;
}

async function connectedProviders(deps: ToolDeps, caller: CallerIdentity, away: Away): Promise<string[]> {
  const integrations = await away(() => listIntegrations(deps.workos, caller.userId, caller.organizationId));
  const connected = integrations.filter((i) => i.connected && deps.registry.get(i.slug)).map((i) => i.slug);
  if (connected.length === 0) {
    throw new ToolError(
      'no_connected_integrations',
      `None of the supported integrations (${deps.registry.ids().join(', ')}) is connected. Use connect_integration first, or name the providers.`,
    );
  }
  return connected;
}

interface CallArgs {
  url?: string;
  method?: HttpMethod;
  body?: unknown;
}

async function requestCall(
  deps: ToolDeps,
  caller: CallerIdentity,
  clientName: string | null,
  reason: string | null,
  args: CallArgs,
  away: Away,
): Promise<Grant> {
  if (!args.url || !args.method) {
    throw new ToolError('invalid_arguments', 'url and method are required for kind "call".');
  }
  const { provider, url } = resolveProviderUrl(deps, args.url);
  checkBodyBounds(args.body);
  const body = args.body === undefined ? null : canonicalJson(args.body);
  if (body !== null && Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new ToolError('body_too_large', `The body may be at most ${MAX_BODY_BYTES / 1024} KiB.`);
  }
  if (body !== null && args.method === 'GET')
    throw new ToolError('invalid_arguments', 'A GET request cannot carry a body.');
  const level = provider.requiredLevel({ method: args.method, url: new URL(url), body: args.body });
  const request = { method: args.method, url, body };
  const judged = await judgeRequest(
    deps,
    caller,
    {
      kind: 'request',
      requestedProviders: [provider.id],
      requestedLevel: level,
      owner: { ...caller, organizationId: caller.organizationId ?? null },
      clientName,
      request,
    },
    reason,
    away,
  );
  const grant = await deps.store.createRequest({
    owner: caller,
    clientName,
    reason,
    level,
    provider: provider.id,
    request,
    policy: judged.record,
  });
  await settleReservation(deps, caller, judged, grant);
  return grant;
}
