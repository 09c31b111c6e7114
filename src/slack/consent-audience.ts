// Who will approve a grant and where, named as people know them (@bob, @data-team, #access-approvals), for the MCP
// consent message; looked up in the cached directory within a time budget, never holding up the tool.

import type { Grant, GrantGate, Level } from '../grants/types.js';
import type { ConsentAudience, ConsentPlace } from '../mcp/consent-wording.js';
import type { SlackDirectory } from './directory.js';
import { destination } from './messenger.js';

/** Approvers looked up at most (the rest are counted, not named): bounds the Slack calls of one message. */
const MAX_LOOKUPS = 5;

export type ApproverSet = GrantGate['approvers'];

export interface ConsentAudienceOptions {
  /** The approvers when the grant records no policy: APPROVERS and APPROVER_EMAILS. */
  fallback: ApproverSet;
  /** Where requests go when the policy names no channel (APPROVALS_CHANNEL), and who may approve their own. */
  approvalsChannel: string | null;
  selfApprove: Level | 'none';
  /** All lookups together get this long (default 300 ms); what is not known by then is left out. */
  budgetMs?: number;
}

/** One approver to name: a Slack user, a user group or an email. */
type ApproverRef = { kind: 'user' | 'group' | 'email'; id: string };

/** The approvers the grant's recorded policy asks for (every gate still needing approval), and how many. */
export function approversOf(
  grant: Pick<Grant, 'policy'>,
  fallback: ApproverSet,
): {
  refs: ApproverRef[];
  needed: number;
} {
  const gates = grant.policy?.gates.filter((gate) => gate.decision === 'needs-approval');
  const sets = gates ? gates.map((gate) => gate.approvers) : [fallback];
  const needed = Math.max(1, ...(gates ?? []).map((gate) => gate.approvals));
  const refs = new Map<string, ApproverRef>();
  const add = (kind: ApproverRef['kind'], id: string) => refs.set(`${kind}:${id}`, { kind, id });
  // People first (they are who the reader knows), then groups.
  for (const set of sets) for (const id of set.slackUsers) add('user', id);
  for (const set of sets) for (const email of set.emails) add('email', email.toLowerCase());
  for (const set of sets) for (const id of set.slackGroups) add('group', id);
  return { refs: [...refs.values()], needed };
}

const UNKNOWN: unique symbol = Symbol('unknown');

/** A name for one approver: a string, null for "no such approver" (left out), UNKNOWN when Slack did not say. */
async function nameOf(directory: SlackDirectory, ref: ApproverRef): Promise<string | null> {
  if (ref.kind === 'group') {
    const handle = await directory.groupHandle(ref.id);
    return handle ? `@${handle}` : null;
  }
  const userId = ref.kind === 'user' ? ref.id : await directory.userIdByEmail(ref.id);
  // An email without a Slack account is still someone who can approve on the consent page.
  if (!userId) return ref.kind === 'email' ? ref.id : null;
  const user = await directory.user(userId);
  if (!user || user.deleted) return ref.kind === 'email' ? ref.id : null;
  return `@${user.displayName ?? user.name}`;
}

/** Stands for the requester's DM in `destination` (whose Slack id the message job looks up when it posts). */
const REQUESTER_DM = 'D-requester';

/**
 * Names the place and the approvers. The place is where the request's message is (`posted`, a `D…` id being
 * the requester's own DM), or, not posted yet, where the message job will post it. Anything Slack did not
 * answer within the budget is left unnamed: the wording falls back.
 */
export async function consentAudience(
  directory: SlackDirectory,
  grant: Grant,
  posted: string | null,
  options: ConsentAudienceOptions,
): Promise<ConsentAudience> {
  const channelId = posted ?? destination(grant, REQUESTER_DM, options.approvalsChannel, options.selfApprove);
  if (channelId?.startsWith('D')) return { place: { kind: 'dm' }, approvers: null };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof UNKNOWN>((resolve) => {
    timer = setTimeout(() => resolve(UNKNOWN), options.budgetMs ?? 300);
  });
  // A lookup past the budget goes on and fills the cache for the next message; its failure is only "unknown".
  const bounded = <T>(lookup: Promise<T>): Promise<T | typeof UNKNOWN> =>
    Promise.race([lookup.catch((): typeof UNKNOWN => UNKNOWN), deadline]);
  try {
    const { refs, needed } = approversOf(grant, options.fallback);
    const looked = refs.slice(0, MAX_LOOKUPS);
    const [channel, names] = await Promise.all([
      channelId ? bounded(directory.channel(channelId)) : null,
      Promise.all(looked.map((ref) => bounded(nameOf(directory, ref)))),
    ]);
    const place: ConsentPlace | null = channelId
      ? {
          kind: 'channel',
          id: channelId,
          name: channel && channel !== UNKNOWN ? (channel.name ?? null) : null,
        }
      : null;
    // One unknown name would make the list wrong ("waiting for @bob" when Carol may approve too): none then.
    const known = names.includes(UNKNOWN) ? null : names.filter((n): n is string => typeof n === 'string');
    const approvers = known ? { names: known, more: refs.length - looked.length, needed } : null;
    return { place, approvers };
  } finally {
    clearTimeout(timer);
  }
}
