// release_access: the assistant gives back its access early, or withdraws a request still waiting.
import { z } from 'zod';
import { grantFields, newCallId, ownerFields, workosActor } from '../../audit/fields.js';
import type { Actor } from '../../grants/types.js';
import { accessOutputShape, accessView, describeAccess, notFoundView } from '../grant-view.js';
import { callerFrom } from '../identity.js';
import { guarded, type RegisterTool, ToolError, textResult } from '../tool-kit.js';
import { ownedBy } from './check-access-request.js';

export const registerReleaseAccess: RegisterTool = (server, deps) => {
  server.registerTool(
    'release_access',
    {
      title: 'Release Access',
      description:
        'End your access early when the work is done (good practice), or withdraw a request nobody has decided yet. Without requestId it ends the current session access.',
      inputSchema: z.object({
        requestId: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('The grant to end; omitted = current session access'),
      }),
      outputSchema: z.object(accessOutputShape),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    guarded(deps, 'release_access', async ({ requestId }, ctx) => {
      const caller = callerFrom(ctx.http?.authInfo);
      const grant = requestId ? await deps.store.get(requestId) : await deps.store.activeBroad(caller);
      if (!ownedBy(grant, caller)) {
        if (!requestId) throw new ToolError('nothing_to_release', 'This session holds no active access.');
        const view = notFoundView(requestId);
        return textResult(describeAccess(view, null, deps.registry), view);
      }
      const by: Actor = { type: 'assistant', id: caller.userId, email: caller.userEmail, via: 'mcp' };
      const result =
        grant.status === 'pending'
          ? await deps.store.cancel(grant.id, by)
          : await deps.store.finish(grant.id, 'released', by, 'released by the assistant');
      const current = result.ok ? result.grant : 'grant' in result ? result.grant : grant;
      if (result.ok) {
        deps.audit.record({
          type: 'grant.released',
          ...ownerFields(grant.owner),
          ...grantFields(grant),
          callId: newCallId(),
          actor: workosActor('assistant', 'mcp', { id: caller.userId, email: caller.userEmail }),
          detail: current.status,
        });
      }
      const view = accessView(current, deps.now());
      return textResult(describeAccess(view, current, deps.registry), view);
    }),
  );
};
