// The web page's decider under the policy in force now: the same rights as a Slack click (src/grants/decide-rights.ts).
import type { Config } from '../config.js';
import { approverDecision, type ClickAuthorization, requesterDecision } from '../grants/decide-rights.js';
import { personKey, type Quorum } from '../grants/quorum.js';
import { groupsOf, judgeGrant, type PeopleLookup } from '../grants/rules/verdict.js';
import type { Grant, Level } from '../grants/types.js';
import { policyInForce } from '../lib/policy-in-force.js';
import type { BrowserSession } from './browser-session.js';

/** Who is looking, judged against the policy in force at this moment. */
export interface WebJudge {
  record: NonNullable<Grant['policy']>;
  isRequester: boolean;
  /** Null when we cannot tell who they are (an unverified email, and not the requester). */
  person: Quorum['person'] | null;
  requester: Quorum['requester'];
}

export async function judgeViewer(
  deps: { config: Config; people?: PeopleLookup | undefined; now: () => number },
  grant: Grant,
  session: BrowserSession,
): Promise<WebJudge> {
  const policy = policyInForce(deps.config);
  const groups = groupsOf(policy);
  const lookup = (email: string) =>
    deps.people
      ? deps.people.byEmail(email, groups)
      : Promise.resolve({ slackUserId: null, slackGroups: [] });
  const requesterSlack = await lookup(grant.owner.userEmail);
  const { record } = judgeGrant(policy, grant, requesterSlack, deps.now());
  // The policy matches approvers by email, so only an email WorkOS has verified may count.
  const email = session.emailVerified ? session.email.toLowerCase() : null;
  const isRequester =
    session.userId === grant.owner.userId || (!!email && email === grant.owner.userEmail.toLowerCase());
  let person: Quorum['person'] | null = null;
  if (email && !isRequester) {
    const slack = await lookup(email);
    const known = { email, slackUserId: slack.slackUserId, slackGroups: slack.slackGroups };
    person = { ...known, key: personKey(known) };
  }
  return {
    record,
    isRequester,
    person,
    requester: { email: grant.owner.userEmail, slackUserId: requesterSlack.slackUserId },
  };
}

export function webRight(
  judge: WebJudge,
  level: Level | 'deny',
  providers: readonly string[],
): ClickAuthorization {
  if (judge.isRequester) return requesterDecision(judge.record, { level, providers });
  if (!judge.person) return { ok: false, reason: 'we could not tell who you are, so you cannot decide' };
  return approverDecision(judge.record, judge.person, judge.requester, { level, providers });
}
