// check_access_request: where a request stands; with waitSeconds it returns the moment a person decides.
import type { ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Grant, SessionIdentity } from '../../grants/types.js';
import { notifyConsentComplete } from '../consent-elicitation.js';
import { DeliveryTracker } from '../delivery-tracker.js';
import { accessOutputShape, accessView, describeAccess, notFoundView } from '../grant-view.js';
import { callerFrom } from '../identity.js';
import { longPollCapNote } from '../long-poll-cap.js';
import { awayFromGate, guarded, type RegisterTool, type ToolDeps, textResult } from '../tool-kit.js';
import { FLOW } from './flow.js';

/** Progress is reported at least this often while waiting, so clients that reset timeouts on progress hold on. */
const PROGRESS_EVERY_MS = 5000;
export const MAX_WAIT_SECONDS = 25;

export function ownedBy(grant: Grant | null, caller: SessionIdentity): grant is Grant {
  return (
    grant !== null &&
    grant.owner.sid === caller.sid &&
    grant.owner.userId === caller.userId &&
    grant.owner.organizationId === caller.organizationId
  );
}

export const registerCheckAccessRequest: RegisterTool = (server, deps) => {
  server.registerTool(
    'check_access_request',
    {
      title: 'Check Access Request',
      description: `Status of a request from request_elevated_access: pending, approved (with providers, expiry and the approver’s instructions), denied (with reason), expired, superseded, or not_found. ${FLOW}`,
      inputSchema: z.object({
        requestId: z.string().min(1).max(200).describe('The requestId from request_elevated_access'),
        waitSeconds: z
          .number()
          .int()
          .min(0)
          .max(MAX_WAIT_SECONDS)
          .default(0)
          .describe('Hold the call open up to this long while the request is pending'),
      }),
      outputSchema: z.object(accessOutputShape),
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    guarded(deps, 'check_access_request', async ({ requestId, waitSeconds }, ctx) => {
      const delivery = new DeliveryTracker(deps, requestId, waitSeconds > 0);
      try {
        return await check(deps, ctx, requestId, waitSeconds, delivery);
      } finally {
        delivery.stop();
      }
    }),
  );
};

/** Where the request stands; while it is pending, after waiting up to `waitSeconds` for a decision. */
async function check(
  deps: ToolDeps,
  ctx: ServerContext,
  requestId: string,
  waitSeconds: number,
  delivery: DeliveryTracker,
) {
  const caller = callerFrom(ctx.http?.authInfo);
  // Read together (one pipelined round trip).
  const [found] = await Promise.all([deps.store.get(requestId), delivery.seen()]);
  let grant = found;
  if (!ownedBy(grant, caller)) {
    const view = notFoundView(requestId);
    return textResult(describeAccess(view, null, deps.registry), view);
  }

  // Beyond the person's cap of calls held open the call does not wait: it answers now and says why.
  const release =
    waitSeconds > 0 && grant.status === 'pending' ? deps.longPolls?.acquire(caller.userId) : undefined;
  const capped = release === null;
  const deadline = Math.min(deps.now() + (capped ? 0 : waitSeconds) * 1000, grant.decideBy);
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const started = deps.now();
  const stop = deps.shutdown ? AbortSignal.any([ctx.mcpReq.signal, deps.shutdown]) : ctx.mcpReq.signal;
  try {
    while (grant?.status === 'pending' && deps.now() < deadline && !stop.aborted) {
      const waitMs = Math.min(PROGRESS_EVERY_MS, deadline - deps.now());
      // Where the message went, unless known: read along with the decision, in the same round trip.
      grant = await awayFromGate(
        deps,
        ctx,
        () => deps.store.waitForDecision(requestId, waitMs, stop, delivery.onWake),
        { urgent: true },
      );
      if (grant?.status === 'pending' && progressToken !== undefined) {
        await ctx.mcpReq
          .notify({
            method: 'notifications/progress',
            params: {
              progressToken,
              progress: Math.round((deps.now() - started) / 1000),
              total: waitSeconds,
              message: 'Waiting for a person to decide',
            },
          })
          .catch(() => undefined);
      }
    }
  } finally {
    release?.();
  }
  if (!grant) {
    const view = notFoundView(requestId);
    return textResult(describeAccess(view, null, deps.registry), view);
  }
  if (waitSeconds > 0) await notifyConsentComplete(deps, ctx, caller, grant);
  const approvalUrl = grant.status === 'pending' ? await deps.approvalUrl(grant) : null;
  const view = accessView(grant, deps.now(), approvalUrl, await delivery.now());
  const text = describeAccess(view, grant, deps.registry);
  return textResult(capped ? `${longPollCapNote(deps.longPolls!.max)}\n\n${text}` : text, view);
}
