// server_info: how access works here, with the real durations and the supported providers.
import { z } from 'zod';
import { formatDuration } from '../../lib/duration.js';
import { guarded, type RegisterTool, textResult } from '../tool-kit.js';

export const registerServerInfo: RegisterTool = (server, deps) => {
  server.registerTool(
    'server_info',
    {
      title: 'Server Info',
      description:
        'Read this first. Explains the access model (human-approved, provider-scoped, time-boxed grants), the levels, the real time limits, and the supported integrations.',
      inputSchema: z.object({}),
      outputSchema: z.object({
        name: z.string(),
        version: z.string(),
        providers: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            origin: z.string(),
            /** Sandbox mode: the real public API address also accepted, and sent to `origin`. */
            routedFrom: z.string().optional(),
          }),
        ),
        decisionWindowSeconds: z.number(),
        defaultAccessSeconds: z.number(),
        maxAccessSeconds: z.number(),
        selfApprove: z.enum(['write', 'read', 'none']),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    guarded(deps, 'server_info', async () => {
      const { durations, policy } = deps.config;
      const routed = deps.registry.routedPublicApis();
      const providers = deps.registry.all().map((p) => ({
        id: p.id,
        name: p.displayName,
        origin: p.origin,
        ...(routed[p.id] ? { routedFrom: routed[p.id] } : {}),
      }));
      const sandboxNote =
        Object.keys(routed).length > 0
          ? [
              '',
              'Sandbox mode: these are local demo APIs. Calls to the real public URLs (for example https://api.linear.app/graphql) are accepted and go to the demo API instead; nothing leaves this machine.',
            ]
          : [];
      const text = [
        '# Countersign',
        'You call third-party APIs through `call_integration_api`; provider tokens are injected for you and never shown.',
        '',
        '## Access model',
        '- Access is granted by a person, per provider, for a limited time. Nothing is allowed by default.',
        '- `read`: GET requests, GraphQL queries, Notion search/queries, read-only SQL.',
        '- `write`: everything else (POST/PUT/PATCH/DELETE, GraphQL mutations, other SQL). Write includes read.',
        `- A request waits up to ${formatDuration(durations.decisionWindowMs)} for a decision.`,
        `- Access lasts ${formatDuration(durations.defaultAccessMs)} from approval by default, at most ${formatDuration(durations.maxAccessMs)}; the approver may narrow providers, level and duration.`,
        '- `kind: "call"` asks for one exact call (method, URL and body), usable once.',
        '',
        '## Flow',
        '1. `whoami` and `list_integrations` (connect missing ones with `connect_integration`).',
        '2. `request_elevated_access` and show the approval link to the user.',
        '3. `check_access_request` with `waitSeconds: 25` until it is approved or denied; follow the approver’s instructions.',
        '4. `call_integration_api`; `release_access` when you are done.',
        '',
        `## Integrations\n${providers.map((p) => `- ${p.name} (${p.origin}${p.routedFrom ? `; ${p.routedFrom} is routed here` : ''})`).join('\n')}`,
        ...sandboxNote,
      ].join('\n');
      return textResult(text, {
        name: 'countersign',
        version: '0.1.0',
        providers,
        decisionWindowSeconds: durations.decisionWindowMs / 1000,
        defaultAccessSeconds: durations.defaultAccessMs / 1000,
        maxAccessSeconds: durations.maxAccessMs / 1000,
        selfApprove: policy.selfApprove,
      });
    }),
  );
};
