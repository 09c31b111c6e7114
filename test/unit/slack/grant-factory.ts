// Grant records in every state, and view contexts, for the Slack view specifications.
import type { Actor, Grant, GrantStatus } from '../../../src/grants/types.js';
import type { ViewContext } from '../../../src/slack/ids.js';

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Everything Slack must show as typed, never act on. */
export const EVIL = '<!channel> <http://evil|click> <@U1> @here & friends';
/** The same text after escaping (the word joiner after "@" breaks the bare @here). */
export const EVIL_ESCAPED =
  '&lt;!channel&gt; &lt;http://evil|click&gt; &lt;@U1&gt; @\u2060here &amp; friends';

export const people = {
  /** An approver clicking in Slack: their Slack id is the actor id. */
  alice: { type: 'user', id: 'UALICE', email: 'alice@example.com', name: 'Alice', via: 'slack' },
  /** An approver on the web consent page: a WorkOS id, so views fall back to ctx.deciderSlackUserId or email. */
  bob: { type: 'user', id: 'user_bob', email: 'bob@example.com', name: 'Bob', via: 'web' },
  /** The requester approving their own assistant. */
  self: { type: 'user', id: 'user_req', email: 'req@example.com', via: 'web' },
  assistant: { type: 'assistant', id: 'user_req', email: 'req@example.com', name: 'claude-code', via: 'mcp' },
  decisionWindow: { type: 'system', id: 'decision-window', via: 'system' },
  accessDuration: { type: 'system', id: 'access-duration', via: 'system' },
  newerRequest: { type: 'system', id: 'newer-request', via: 'system' },
} as const satisfies Record<string, Actor>;

export function pendingBroad(over: Partial<Grant> = {}): Grant {
  const base: Grant = {
    id: 'g_broad1',
    kind: 'broad',
    status: 'pending',
    owner: { sid: 'sess_1', organizationId: 'org_1', userId: 'user_req', userEmail: 'req@example.com' },
    clientName: 'claude-code',
    reason: 'Triage the ENG backlog and label duplicates',
    level: 'write',
    requestedLevel: 'write',
    providers: ['linear', 'notion'],
    requestedProviders: ['linear', 'notion'],
    request: null,
    createdAt: T0,
    decideBy: T0 + 5 * MINUTE,
    requestedDurationMs: 30 * MINUTE,
    durationMs: 30 * MINUTE,
    approvedAt: null,
    expiresAt: null,
    endedAt: null,
    instructions: null,
    statusReason: null,
    decidedBy: null,
    supersededBy: null,
    uses: 0,
    history: [{ status: 'pending', at: T0, by: people.assistant }],
  };
  return { ...base, ...over };
}

export function pendingRequest(over: Partial<Grant> = {}): Grant {
  return pendingBroad({
    id: 'g_call1',
    kind: 'request',
    providers: ['linear'],
    requestedProviders: ['linear'],
    request: {
      method: 'POST',
      url: 'https://api.linear.app/graphql',
      body: '{"query":"mutation { issueUpdate(id: \\"ENG-1\\", input: {stateId: \\"done\\"}) { success } }"}',
    },
    requestedDurationMs: 5 * MINUTE,
    durationMs: 5 * MINUTE,
    ...over,
  });
}

interface Step {
  by?: Actor;
  at?: number;
  note?: string | null;
}

/**
 * The grant after one more transition, shaped as the store records it: the history entry plus the fields the
 * domain sets (decision, times, reasons). Narrowing is done by passing `patch`.
 */
export function advance(
  grant: Grant,
  status: GrantStatus,
  step: Step = {},
  patch: Partial<Grant> = {},
): Grant {
  const at = step.at ?? grant.history[grant.history.length - 1]!.at + MINUTE;
  const defaults: Record<GrantStatus, { by: Actor; note: string | null; fields: Partial<Grant> }> = {
    pending: { by: people.assistant, note: null, fields: {} },
    approved: {
      by: people.alice,
      note: null,
      fields: { approvedAt: at, expiresAt: at + grant.durationMs, decidedBy: step.by ?? people.alice },
    },
    denied: {
      by: people.alice,
      note: 'Not during the freeze',
      fields: { decidedBy: step.by ?? people.alice },
    },
    expired: { by: people.decisionWindow, note: 'no decision in time', fields: {} },
    superseded: {
      by: people.newerRequest,
      note: 'superseded by g_newer',
      fields: { supersededBy: 'g_newer' },
    },
    cancelled: { by: people.assistant, note: 'withdrawn by the assistant', fields: {} },
    ended: { by: people.accessDuration, note: 'access time ran out', fields: { uses: 7 } },
    revoked: { by: people.bob, note: 'Enough for today', fields: { uses: 3 } },
    released: { by: people.assistant, note: null, fields: { uses: 2 } },
    consumed: { by: people.assistant, note: null, fields: { uses: 1 } },
  };
  const d = defaults[status];
  const by = step.by ?? d.by;
  const note = step.note === undefined ? d.note : step.note;
  const final = !['pending', 'approved'].includes(status);
  const statusReason = ['denied', 'expired', 'superseded', 'cancelled', 'ended', 'revoked'].includes(status)
    ? note
    : grant.statusReason;
  return {
    ...grant,
    ...d.fields,
    statusReason,
    ...patch,
    status,
    endedAt: final ? at : grant.endedAt,
    history: [...grant.history, note ? { status, at, by, note } : { status, at, by }],
  };
}

export const DECIDED: readonly GrantStatus[] = [
  'approved',
  'denied',
  'expired',
  'superseded',
  'cancelled',
  'ended',
  'revoked',
  'released',
  'consumed',
];

/** A grant that reached `status` the usual way (via approval for the statuses that follow it). */
export function inState(status: GrantStatus, start: Grant = pendingBroad()): Grant {
  if (status === 'pending') return start;
  if (['ended', 'revoked', 'released', 'consumed'].includes(status)) {
    return advance(advance(start, 'approved', {}, { instructions: 'Only touch ENG issues' }), status);
  }
  if (status === 'approved') return advance(start, 'approved', {}, { instructions: 'Only touch ENG issues' });
  return advance(start, status);
}

/** The statuses a grant of this kind can actually reach (only per-request grants are consumed). */
export const reachable = (kind: Grant['kind']): GrantStatus[] =>
  ['pending' as const, ...DECIDED].filter((s) => (kind === 'request' ? true : s !== 'consumed'));

export function viewContext(over: Partial<ViewContext> = {}): ViewContext {
  return {
    requester: { email: 'req@example.com', slackUserId: 'UREQ' },
    providerNames: { linear: 'Linear', notion: 'Notion', snowflake: 'Snowflake' },
    maxAccessMs: HOUR,
    defaultAccessMs: 5 * MINUTE,
    approvalUrl: 'https://countersign.example.com/approve/g_broad1?t=abc',
    deciderSlackUserId: null,
    now: T0 + 2 * MINUTE,
    ...over,
  };
}
