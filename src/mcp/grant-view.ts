// How a grant is shown to the assistant: one structured shape (with its output schema) and readable text.
import { z } from 'zod';
import { describeMissing, stillMissing } from '../grants/quorum.js';
import { GRANT_STATUSES, type Grant } from '../grants/types.js';
import { formatDuration } from '../lib/duration.js';
import type { ProviderRegistry } from '../providers/registry.js';

export const accessOutputShape = {
  status: z.enum([...GRANT_STATUSES, 'not_found']).describe('Where the request stands'),
  requestId: z.string().nullable(),
  kind: z
    .enum(['session', 'call'])
    .nullable()
    .describe('As asked in request_elevated_access: session access, or one exact call'),
  level: z
    .enum(['read', 'write'])
    .nullable()
    .describe('Granted level once approved, else the level asked for'),
  providers: z.array(z.string()).describe('Granted providers once approved, else those asked for'),
  expiresAt: z.string().nullable().describe('ISO time access ends (approved grants)'),
  expiresInSeconds: z.number().nullable(),
  decideBy: z.string().nullable().describe('ISO time a pending request expires undecided'),
  instructions: z.string().nullable().describe('The approver’s instructions: follow them'),
  statusReason: z.string().nullable().describe('Why it was denied, revoked or ended'),
  decidedBy: z.string().nullable(),
  approvalUrl: z.string().nullable().describe('Consent page for a person to open (pending requests)'),
  pollAfterMs: z.number().nullable().describe('When to check again (pending requests)'),
  request: z.object({ method: z.string(), url: z.string(), hasBody: z.boolean() }).nullable(),
  uses: z.number(),
  slack: z
    .object({
      delivered: z.boolean().describe('Whether the Slack message has been posted'),
      channel: z.string().nullable(),
    })
    .nullable()
    .describe('The request’s Slack message (null when Slack is not set up)'),
  policy: z
    .object({
      rules: z.array(z.string()).describe('Ids of the approval-policy rules that governed the request'),
      version: z.string().describe('The policy version (hash of its text) it was judged under'),
      decidedByRule: z.string().nullable().describe('The rule that decided it at once, if any'),
      approvals: z
        .array(
          z.object({ by: z.string(), at: z.string(), level: z.string(), providers: z.array(z.string()) }),
        )
        .describe('Approvals so far (a rule may need several)'),
      stillNeeded: z.string().nullable().describe('What a pending request still needs, in words'),
    })
    .nullable()
    .describe('Which policy rules applied (null for requests made before rules)'),
};

export type SlackDelivery = NonNullable<AccessView['slack']>;

export type AccessView = z.infer<z.ZodObject<typeof accessOutputShape>>;

const POLL_AFTER_MS = 2000;

export function notFoundView(requestId: string): AccessView {
  return {
    status: 'not_found',
    requestId,
    kind: null,
    level: null,
    providers: [],
    expiresAt: null,
    expiresInSeconds: null,
    decideBy: null,
    instructions: null,
    statusReason: null,
    decidedBy: null,
    approvalUrl: null,
    pollAfterMs: null,
    request: null,
    uses: 0,
    slack: null,
    policy: null,
  };
}

export function accessView(
  grant: Grant,
  now: number,
  approvalUrl: string | null = null,
  slack: SlackDelivery | null = null,
): AccessView {
  const pending = grant.status === 'pending';
  return {
    status: grant.status,
    requestId: grant.id,
    // The assistant's words (request_elevated_access's kind), not the store's (broad / request).
    kind: grant.kind === 'broad' ? 'session' : 'call',
    level: grant.level,
    providers: grant.providers,
    expiresAt: grant.expiresAt ? new Date(grant.expiresAt).toISOString() : null,
    expiresInSeconds:
      grant.status === 'approved' && grant.expiresAt
        ? Math.max(0, Math.round((grant.expiresAt - now) / 1000))
        : null,
    decideBy: pending ? new Date(grant.decideBy).toISOString() : null,
    instructions: grant.instructions,
    statusReason: grant.statusReason,
    decidedBy: grant.decidedBy ? (grant.decidedBy.email ?? grant.decidedBy.name ?? grant.decidedBy.id) : null,
    approvalUrl: pending ? approvalUrl : null,
    pollAfterMs: pending ? POLL_AFTER_MS : null,
    request: grant.request
      ? { method: grant.request.method, url: grant.request.url, hasBody: grant.request.body !== null }
      : null,
    uses: grant.uses,
    slack,
    policy: policyView(grant),
  };
}

function policyView(grant: Grant): AccessView['policy'] {
  const policy = grant.policy;
  if (!policy) return null;
  const missing = grant.status === 'pending' ? stillMissing(grant) : [];
  return {
    rules: policy.rules,
    version: policy.version,
    decidedByRule: policy.decidedByRule,
    approvals: (grant.approvals ?? []).map((a) => ({
      by: a.by.email ?? a.by.name ?? a.by.id,
      at: new Date(a.at).toISOString(),
      level: a.level,
      providers: a.providers,
    })),
    stillNeeded: missing.length > 0 ? describeMissing(missing) : null,
  };
}

/** Markdown for the model: status first, then what it may do next. */
export function describeAccess(view: AccessView, grant: Grant | null, registry: ProviderRegistry): string {
  const lines = [`**Status:** ${view.status}`];
  if (view.requestId) lines.push(`**Request ID:** ${view.requestId}`);
  if (view.request) lines.push(`**Request:** ${view.request.method} ${view.request.url}`);
  else if (view.level)
    lines.push(`**Level:** ${view.level}`, `**Providers:** ${view.providers.join(', ') || 'none'}`);

  switch (view.status) {
    case 'not_found':
      lines.push('No such request for this session (it may have been removed after its retention window).');
      break;
    case 'pending':
      lines.push(
        `Waiting for a person to decide (until ${view.decideBy}).`,
        view.slack
          ? view.slack.delivered
            ? 'The request is posted in Slack.'
            : 'The Slack message is on its way (Slack has not confirmed it yet); the consent link works now.'
          : '',
        view.approvalUrl ? `Consent link: ${view.approvalUrl}` : '',
        `Call check_access_request again with waitSeconds (up to 25) to be told the moment it is decided, or after ${view.pollAfterMs} ms.`,
      );
      break;
    case 'approved':
      if (view.kind === 'call') {
        lines.push(
          `Approved. Call call_integration_api with requestId "${view.requestId}" and exactly this method, URL and body. Single use.`,
        );
      } else {
        lines.push(
          `**Expires at:** ${view.expiresAt} (in ${formatDuration((view.expiresInSeconds ?? 0) * 1000)})`,
        );
      }
      if (view.decidedBy) lines.push(`**Approved by:** ${view.decidedBy}`);
      lines.push(providerInstructions(view.providers, registry));
      if (view.instructions)
        lines.push(`**Instructions from the approver (follow them):**\n${view.instructions}`);
      break;
    case 'denied':
      lines.push(`Denied${view.decidedBy ? ` by ${view.decidedBy}` : ''}. Do not ask again right away.`);
      if (view.statusReason) lines.push(`**Reason:** ${view.statusReason}`);
      break;
    case 'superseded':
      lines.push(
        `A newer request replaced this one${grant?.supersededBy ? ` (${grant.supersededBy})` : ''}.`,
      );
      break;
    case 'expired':
      lines.push('Nobody decided in time. Ask again if the access is still needed.');
      break;
    default:
      lines.push(`This access is over (${view.status}).`);
      if (view.statusReason) lines.push(`**Reason:** ${view.statusReason}`);
  }
  return lines.filter(Boolean).join('\n');
}

function providerInstructions(providers: string[], registry: ProviderRegistry): string {
  const sections = providers
    .map((id) => registry.get(id))
    .filter((p) => p !== undefined)
    .map((p) => `### ${p.displayName}\n${p.instructions}`);
  return sections.length > 0 ? `**Provider instructions:**\n${sections.join('\n')}` : '';
}
