// connect_integration: a WorkOS Pipes authorization link for one supported provider.
import { z } from 'zod';
import { newCallId, ownerFields, workosActor } from '../../audit/fields.js';
import { connectUrl } from '../../pipes/integrations.js';
import { callerFrom } from '../identity.js';
import { awayFromGate, guarded, type RegisterTool, ToolError, textResult } from '../tool-kit.js';

export const registerConnectIntegration: RegisterTool = (server, deps) => {
  const slugs = deps.registry.ids() as [string, ...string[]];
  server.registerTool(
    'connect_integration',
    {
      title: 'Connect Integration',
      description: `A link the user opens to connect one of the supported integrations (${slugs.join(', ')}) to their account.`,
      inputSchema: z.object({ slug: z.enum(slugs).describe('Integration to connect') }),
      outputSchema: z.object({ slug: z.string(), url: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(deps, 'connect_integration', async ({ slug }, ctx) => {
      const caller = callerFrom(ctx.http?.authInfo);
      if (!caller.organizationId) {
        throw new ToolError(
          'organization_required',
          'Connecting an integration needs an organization: sign in with one.',
        );
      }
      const url = await awayFromGate(deps, ctx, () =>
        connectUrl(deps.workos, slug, caller.userId, caller.organizationId),
      );
      deps.audit.record({
        type: 'integration.connect_requested',
        ...ownerFields(caller),
        callId: newCallId(),
        actor: workosActor('assistant', 'mcp', { id: caller.userId, email: caller.userEmail }),
        provider: slug,
      });
      return textResult(
        `## Connect ${slug}\nAsk the user to open this link to connect ${slug}:\n\n${url}\n\nThen check with list_integrations.`,
        { slug, url },
      );
    }),
  );
};
