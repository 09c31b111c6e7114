// URL-mode consent: a client that can open a link gets our consent page as an elicitation (input_required on
// 2026-07-28, error -32042 on 2025-11-25) and its retry, on any instance, resumes the grant until it is decided.
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  inputRequired,
  type ServerContext,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/server';
import type { Grant } from '../grants/types.js';
import { seal, unseal } from '../web/sealed.js';
import { type ConsentPlace, consentWording } from './consent-wording.js';
import { accessView, describeAccess } from './grant-view.js';
import { type CallerIdentity, callerFrom } from './identity.js';
import { type Away, awayFromGate, awayOf, errorResult, type ToolDeps, textResult } from './tool-kit.js';
import { ownedBy } from './tools/check-access-request.js';

/** The sealed request state's purpose: a value sealed for the consent page or a cookie is refused here. */
const STATE_AUDIENCE = 'mcp-request-state';
/** A retry waits this long for a decision before asking the client to keep waiting (one more round). */
const RESUME_WAIT_MS = 20_000;

/** How this request's client can take the consent link. */
export type ConsentChannel = 'input_required' | 'url_error' | 'none';

/** What the sealed request state carries: the grant, bound to the session that asked. */
interface ConsentState {
  grantId: string;
  userId: string;
  sid: string;
  org: string;
}

/** `ServerOptions.requestState.verify`: authenticated, unexpired, and minted for this very session. */
export function requestStateVerifier(deps: ToolDeps) {
  return async (state: string, ctx: ServerContext): Promise<ConsentState> => {
    const opened = await unseal<ConsentState>(
      deps.config.secrets.approvalToken,
      STATE_AUDIENCE,
      state,
      deps.now(),
    );
    if (!opened.ok) throw new Error(`request state ${opened.error}`);
    const caller = callerFrom(ctx.http?.authInfo);
    const { grantId, userId, sid, org } = opened.claims;
    if (userId !== caller.userId || sid !== caller.sid || org !== (caller.organizationId ?? ''))
      throw new Error('request state minted for another session');
    return { grantId, userId, sid, org };
  };
}

export async function consentChannel(deps: ToolDeps, ctx: ServerContext, caller: CallerIdentity) {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  if (envelope) {
    const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as
      | { elicitation?: { url?: unknown } }
      | undefined;
    return capabilities?.elicitation?.url ? 'input_required' : 'none';
  }
  // 2025-era: URL mode exists from 2025-11-25 on, declared once at initialize (kept with the session).
  const version = ctx.http?.req?.headers.get('mcp-protocol-version');
  if (version !== '2025-11-25') return 'none';
  const session = await deps.store.getSession(caller);
  return session?.clientUrlElicitation ? 'url_error' : 'none';
}

/** The state echoed back by a 2026-07-28 retry, already verified by the SDK seam (requestStateVerifier). */
export function resumedGrantId(ctx: ServerContext): string | null {
  return ctx.mcpReq.requestState<ConsentState>()?.grantId ?? null;
}

/** The grant a 2025-11-25 retry resumes: the one last sent to this session's client as -32042. */
export async function elicitedGrantId(deps: ToolDeps, caller: CallerIdentity): Promise<string | null> {
  return (await deps.store.getSession(caller))?.elicitedGrantId ?? null;
}

/** Hands the consent page to the client: input_required with sealed state, or the -32042 error. */
export async function askConsent(
  deps: ToolDeps,
  ctx: ServerContext,
  caller: CallerIdentity,
  grant: Grant,
  channel: Exclude<ConsentChannel, 'none'>,
): Promise<InputRequiredResult> {
  // Only ever our consent page on PUBLIC_URL: nothing from the request goes into the URL.
  const url = await deps.approvalUrl(grant);
  const message = await consentMessage(deps, grant, awayOf(deps, ctx));
  if (channel === 'url_error') {
    await deps.store.setSessionClientField(caller, 'elicitedGrantId', grant.id);
    throw new UrlElicitationRequiredError([{ mode: 'url', message, url, elicitationId: grant.id }], message);
  }
  const claims: ConsentState = {
    grantId: grant.id,
    userId: caller.userId,
    sid: caller.sid,
    org: caller.organizationId ?? '',
  };
  const requestState = await seal(
    deps.config.secrets.approvalToken,
    STATE_AUDIENCE,
    { ...claims },
    grant.decideBy + 60_000,
    deps.now(),
  );
  return inputRequired({
    inputRequests: { [`consent-${grant.id}`]: inputRequired.elicitUrl({ message, url }) },
    requestState,
  });
}

/** Who will approve and where, then the link: what the client shows the person. */
async function consentMessage(deps: ToolDeps, grant: Grant, away: Away): Promise<string> {
  const slack = (await deps.slackDelivery?.(grant.id)) ?? null;
  const what =
    grant.kind === 'request' && grant.request
      ? `${grant.request.method} ${grant.request.url}`
      : `${grant.level} access to ${grant.providers.join(', ')}`;
  const posted = slack?.channel ?? null;
  // Slack lookups (bounded in time): no turn at the work gate is held while they wait.
  const audience = deps.consentAudience;
  const named = audience ? await away(() => audience(grant, posted)) : null;
  const channel = posted ?? deps.config.slack?.approvalsChannel ?? null;
  const place: ConsentPlace | null =
    named?.place ??
    (!channel
      ? null
      : channel.startsWith('D')
        ? { kind: 'dm' }
        : { kind: 'channel', id: channel, name: null });
  return consentWording({ what, place, approvers: named?.approvers ?? null });
}

/**
 * A retry: waits for the decision (bounded), then says where the grant stands. `pending` means ask again;
 * `approved` lets the tool go on; anything else is the decision, as a result for the model.
 */
export async function resumeGrant(
  deps: ToolDeps,
  ctx: ServerContext,
  caller: CallerIdentity,
  grantId: string,
): Promise<{ state: 'pending' | 'approved'; grant: Grant } | { state: 'decided'; result: CallToolResult }> {
  let grant = await deps.store.get(grantId);
  if (!ownedBy(grant, caller))
    return { state: 'decided', result: errorResult('not_found', `No request ${grantId} for this session.`) };
  if (grant.status === 'pending') {
    const stop = deps.shutdown ? AbortSignal.any([ctx.mcpReq.signal, deps.shutdown]) : ctx.mcpReq.signal;
    const wait = Math.max(0, Math.min(RESUME_WAIT_MS, grant.decideBy - deps.now()));
    // Waiting for a person holds no turn at the work gate; the decision takes one back at once.
    const decided = await awayFromGate(deps, ctx, () => deps.store.waitForDecision(grantId, wait, stop), {
      urgent: true,
    });
    grant = decided ?? grant;
  }
  if (grant.status === 'approved') return { state: 'approved', grant };
  // Past its deadline but not yet swept: it is expired all the same, and asking again would only loop.
  const overdue = grant.status === 'pending' && deps.now() >= grant.decideBy;
  if (grant.status === 'pending' && !overdue) return { state: 'pending', grant };
  const decided: Grant = overdue ? { ...grant, status: 'expired' } : grant;
  const view = accessView(decided, deps.now(), null, null);
  const text = describeAccess(view, decided, deps.registry);
  return { state: 'decided', result: { ...textResult(text, view), isError: true } };
}

/**
 * 2025-11-25: tells a client that took the consent link as -32042 that the person is done, on a stream that is
 * open anyway (a check_access_request long poll), so it can retry without being asked.
 */
export async function notifyConsentComplete(
  deps: ToolDeps,
  ctx: ServerContext,
  caller: CallerIdentity,
  grant: Grant,
): Promise<void> {
  if (grant.status === 'pending' || ctx.mcpReq.envelope) return;
  if (ctx.http?.req?.headers.get('mcp-protocol-version') !== '2025-11-25') return;
  const session = await deps.store.getSession(caller);
  if (!session?.clientUrlElicitation || session.elicitedGrantId !== grant.id) return;
  await ctx.mcpReq
    .notify({ method: 'notifications/elicitation/complete', params: { elicitationId: grant.id } })
    .catch(() => undefined);
}
