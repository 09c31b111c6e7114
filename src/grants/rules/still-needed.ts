// What each provider of a request still needs, given the approvals so far: "1 more from @data-team for snowflake".
import type { Approvers } from './compile.js';
import type { PolicyOutcome } from './evaluate.js';

/** A person, as far as the caller knows them; group membership is resolved by the caller. */
export interface Person {
  slackUserId?: string | null;
  email?: string | null;
  slackGroups?: readonly string[];
}

export interface Approval {
  by: Person;
  /** The providers this approver approved (after any narrowing). */
  providers: readonly string[];
}

export interface StillNeeded {
  provider: string;
  /** Distinct eligible approvals still missing (0 = this provider is satisfied). */
  needed: number;
  from: Approvers;
  /** Approvers counted so far for this provider (their Slack id or email). */
  counted: string[];
}

/** May `person` approve this provider's gate? Never the requester (self-approval is a separate path). */
export function isEligible(person: Person, approvers: Approvers, requester: Person): boolean {
  if (samePerson(person, requester)) return false;
  const email = person.email?.toLowerCase();
  if (person.slackUserId && approvers.slackUsers.includes(person.slackUserId)) return true;
  if (email && approvers.emails.some((listed) => emailMatches(listed, email))) return true;
  return (person.slackGroups ?? []).some((group) => approvers.slackGroups.includes(group));
}

/**
 * Per provider that needs people: how many more distinct eligible approvers must approve it. The same person
 * counts once per provider however often they click; the requester never counts.
 */
export function stillNeeded(
  outcome: PolicyOutcome,
  requester: Person,
  approvals: readonly Approval[],
): StillNeeded[] {
  return outcome.gates
    .filter((gate) => gate.decision === 'needs-approval')
    .map((gate) => {
      const counted = new Set<string>();
      for (const approval of approvals) {
        if (!approval.providers.some((p) => p.toLowerCase() === gate.provider)) continue;
        if (!isEligible(approval.by, gate.approvers, requester)) continue;
        counted.add(personKey(approval.by));
      }
      return {
        provider: gate.provider,
        needed: Math.max(0, gate.approvals - counted.size),
        from: gate.approvers,
        counted: [...counted],
      };
    });
}

function samePerson(a: Person, b: Person): boolean {
  if (a.slackUserId && b.slackUserId && a.slackUserId === b.slackUserId) return true;
  return !!a.email && !!b.email && a.email.toLowerCase() === b.email.toLowerCase();
}

/** One key per human: the email when known (Slack and web clicks share it), else the Slack id. */
function personKey(person: Person): string {
  return person.email ? person.email.toLowerCase() : `slack:${person.slackUserId ?? '?'}`;
}

function emailMatches(listed: string, email: string): boolean {
  return listed.startsWith('*@') ? email.endsWith(listed.slice(1)) : listed === email;
}
