// whoami: the signed-in user, the assistant's session and the access it holds right now.
import { z } from 'zod';
import { formatDuration } from '../../lib/duration.js';
import { callerFrom } from '../identity.js';
import { guarded, type RegisterTool, textResult } from '../tool-kit.js';

export const registerWhoami: RegisterTool = (server, deps) => {
  server.registerTool(
    'whoami',
    {
      title: 'Who Am I',
      description:
        'The authenticated user, organization, and the access this session currently holds or is waiting for.',
      inputSchema: z.object({}),
      outputSchema: z.object({
        userId: z.string(),
        email: z.string(),
        name: z.string().nullable(),
        organizationId: z.string().nullable(),
        clientName: z.string().nullable(),
        access: z.object({
          level: z.enum(['none', 'read', 'write']),
          providers: z.array(z.string()),
          expiresAt: z.string().nullable(),
          requestId: z.string().nullable(),
        }),
        pendingRequestId: z.string().nullable(),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(deps, 'whoami', async (_args, ctx) => {
      const caller = callerFrom(ctx.http?.authInfo);
      const [session, active] = await Promise.all([
        deps.store.getSession(caller),
        deps.store.activeBroad(caller),
      ]);
      const pending = session?.pendingBroadId ? await deps.store.get(session.pendingBroadId) : null;
      const pendingRequestId = pending?.status === 'pending' ? pending.id : null;
      const access = active
        ? {
            level: active.level,
            providers: active.providers,
            expiresAt: active.expiresAt ? new Date(active.expiresAt).toISOString() : null,
            requestId: active.id,
          }
        : { level: 'none' as const, providers: [], expiresAt: null, requestId: null };
      const lines = [
        '**Authenticated user**',
        `**Email:** ${caller.userEmail}`,
        `**User ID:** ${caller.userId}`,
        `**Organization:** ${caller.organizationId ?? 'none'}`,
        `**Access:** ${access.level}`,
      ];
      if (active?.expiresAt) {
        lines.push(
          `**Providers:** ${active.providers.join(', ') || 'none'}`,
          `**Expires in:** ${formatDuration(active.expiresAt - deps.now())}`,
        );
      }
      if (pendingRequestId) lines.push(`**Waiting for approval:** ${pendingRequestId}`);
      return textResult(lines.join('\n'), {
        userId: caller.userId,
        email: caller.userEmail,
        name: caller.name,
        organizationId: caller.organizationId,
        clientName: session?.clientName ?? null,
        access,
        pendingRequestId,
      });
    }),
  );
};
