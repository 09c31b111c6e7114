// list_integrations: which providers the user has connected in WorkOS Pipes, and which ones we support.
import { z } from 'zod';
import { listIntegrations } from '../../pipes/integrations.js';
import { callerFrom } from '../identity.js';
import { awayFromGate, guarded, type RegisterTool, textResult } from '../tool-kit.js';

export const registerListIntegrations: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_integrations',
    {
      title: 'List Integrations',
      description:
        'Which integrations the user has connected, their scopes, and whether Countersign can call them. Needs no approval.',
      inputSchema: z.object({}),
      outputSchema: z.object({
        integrations: z.array(
          z.object({
            slug: z.string(),
            name: z.string(),
            status: z.string(),
            connected: z.boolean(),
            supported: z.boolean().describe('Countersign can call this provider'),
            scopes: z.array(z.string()),
          }),
        ),
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    guarded(deps, 'list_integrations', async (_args, ctx) => {
      const caller = callerFrom(ctx.http?.authInfo);
      const found = await awayFromGate(deps, ctx, () =>
        listIntegrations(deps.workos, caller.userId, caller.organizationId),
      );
      const integrations = found.map((i) => ({ ...i, supported: deps.registry.get(i.slug) !== undefined }));
      const rows = integrations.map(
        (i) =>
          `| ${i.name} (\`${i.slug}\`) | ${i.connected ? '[OK]' : '[--]'} ${i.status} | ${i.scopes.join(', ') || 'None'} | ${i.supported ? 'yes' : 'no'} |`,
      );
      const text =
        integrations.length === 0
          ? `No integrations are available for ${caller.userEmail}.`
          : [
              `## Integrations for ${caller.userEmail}`,
              '| Integration | Status | Scopes | Callable here |',
              '|---|---|---|---|',
              ...rows,
              `**Total:** ${integrations.length} (${integrations.filter((i) => i.connected).length} connected). Connect one with connect_integration.`,
            ].join('\n');
      return textResult(text, { integrations });
    }),
  );
};
