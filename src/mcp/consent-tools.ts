// The URL-consent branch around request_elevated_access and call_integration_api (their own logic stays as is).
import type { CallToolResult, InputRequiredResult, ServerContext } from '@modelcontextprotocol/server';
import type { Grant } from '../grants/types.js';
import {
  askConsent,
  type ConsentChannel,
  consentChannel,
  elicitedGrantId,
  resumedGrantId,
  resumeGrant,
} from './consent-elicitation.js';
import { accessView, describeAccess } from './grant-view.js';
import { type CallerIdentity, callerFrom } from './identity.js';
import { type ToolDeps, textResult } from './tool-kit.js';
import { ownedBy } from './tools/check-access-request.js';

type ToolHandler<A> = (args: A, ctx: ServerContext) => Promise<CallToolResult>;
type ConsentHandler<A> = (args: A, ctx: ServerContext) => Promise<CallToolResult | InputRequiredResult>;

/** call_integration_api refusals a person's approval can lift. */
const NEEDS_ACCESS = ['no_access', 'provider_not_granted', 'write_not_granted', 'approval_not_usable'];

/** request_elevated_access: the new pending request goes to the client as a consent link; a retry resumes it. */
export function consentOnRequest<A extends { kind?: string; level?: string }>(
  deps: ToolDeps,
  handler: ToolHandler<A>,
): ConsentHandler<A> {
  return async (args, ctx) => {
    const caller = callerFrom(ctx.http?.authInfo);
    const channel = await consentChannel(deps, ctx, caller);
    if (channel === 'none') return handler(args, ctx);
    const resumed = await resumable(deps, ctx, caller, channel, (g) => sameRequest(g, args));
    if (resumed) {
      const outcome = await resumeGrant(deps, ctx, caller, resumed);
      if (outcome.state === 'pending') return askConsent(deps, ctx, caller, outcome.grant, channel);
      await forget(deps, caller, channel);
      if (outcome.state === 'decided') return outcome.result;
      const view = accessView(outcome.grant, deps.now(), null, null);
      return textResult(describeAccess(view, outcome.grant, deps.registry), {
        ...view,
        supersededRequestId: null,
      });
    }
    const result = await handler(args, ctx);
    const grant = await pendingGrant(
      deps,
      caller,
      result.isError ? null : (result.structuredContent as { requestId?: unknown } | undefined)?.requestId,
    );
    return grant ? askConsent(deps, ctx, caller, grant, channel) : result;
  };
}

/**
 * call_integration_api: without the access, the pending request's consent link; once approved, the call itself.
 * The call runs first: a call that has its access costs nothing more (this is the hot path).
 */
export function consentOnCall<A extends { requestId?: string }>(
  deps: ToolDeps,
  handler: ToolHandler<A>,
): ConsentHandler<A> {
  return async (args, ctx) => {
    const caller = callerFrom(ctx.http?.authInfo);
    const sealed = resumedGrantId(ctx);
    if (sealed) {
      const outcome = await resumeGrant(deps, ctx, caller, sealed);
      if (outcome.state === 'pending') return askConsent(deps, ctx, caller, outcome.grant, 'input_required');
      if (outcome.state === 'decided') return outcome.result;
    }
    const result = await handler(args, ctx);
    if (!result.isError || !NEEDS_ACCESS.some((code) => refusedWith(result, code))) return result;
    const channel = await consentChannel(deps, ctx, caller);
    if (channel === 'none') return result;
    const resumed = channel === 'url_error' ? await resumable(deps, ctx, caller, channel, () => true) : null;
    if (resumed) {
      const outcome = await resumeGrant(deps, ctx, caller, resumed);
      if (outcome.state === 'pending') return askConsent(deps, ctx, caller, outcome.grant, channel);
      await forget(deps, caller, channel);
      if (outcome.state === 'decided') return outcome.result;
      return handler(args, ctx);
    }
    const waitingId = args.requestId ?? (await deps.store.getSession(caller))?.pendingBroadId;
    const grant = await pendingGrant(deps, caller, waitingId);
    return grant ? askConsent(deps, ctx, caller, grant, channel) : result;
  };
}

/** The grant a retry carries: sealed state on 2026-07-28, the session's memory on 2025-11-25. */
async function resumable(
  deps: ToolDeps,
  ctx: ServerContext,
  caller: CallerIdentity,
  channel: Exclude<ConsentChannel, 'none'>,
  matches: (grant: Grant) => boolean,
): Promise<string | null> {
  if (channel === 'input_required') return resumedGrantId(ctx);
  const id = await elicitedGrantId(deps, caller);
  if (!id) return null;
  const grant = await deps.store.get(id);
  return ownedBy(grant, caller) && matches(grant) ? id : null;
}

/** A 2025-11-25 retry has been answered: the next call is a new one. */
async function forget(deps: ToolDeps, caller: CallerIdentity, channel: ConsentChannel): Promise<void> {
  if (channel === 'url_error') await deps.store.setSessionClientField(caller, 'elicitedGrantId', '');
}

async function pendingGrant(deps: ToolDeps, caller: CallerIdentity, id: unknown): Promise<Grant | null> {
  if (typeof id !== 'string' || id.length === 0) return null;
  const grant = await deps.store.get(id);
  return ownedBy(grant, caller) && grant.status === 'pending' ? grant : null;
}

function sameRequest(grant: Grant, args: { kind?: string; level?: string }): boolean {
  const kind = grant.kind === 'broad' ? 'session' : 'call';
  return (
    (args.kind === undefined || args.kind === kind) &&
    (args.level === undefined || args.level === grant.level)
  );
}

function refusedWith(result: CallToolResult, code: string): boolean {
  const first = result.content[0];
  return first?.type === 'text' && first.text.startsWith(`Error (${code})`);
}
