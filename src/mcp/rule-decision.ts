// A rule's own decision (decision: approve | deny) applied at once, audited with the rule as the actor.
import type { AuditEvent } from '../audit/schema.js';
import { ruleDecision } from '../grants/rules/verdict.js';
import type { Actor, Grant } from '../grants/types.js';
import type { ToolDeps } from './tool-kit.js';

/** The actor of a rule's decision: a system actor named after the rule. */
export function ruleActor(ruleId: string): Actor {
  return { type: 'system', id: `rule:${ruleId}`, name: `policy rule ${ruleId}`, via: 'system' };
}

/** The audit fields that name the rules (see grantFields); here for events built without it. */
export function policyAuditFields(grant: Grant): Pick<AuditEvent, 'rules' | 'policyVersion'> {
  return grant.policy ? { rules: grant.policy.rules, policyVersion: grant.policy.version } : {};
}

/**
 * When the policy decided the request itself, the grant moves now: approved (the requester's message then
 * offers Revoke) or denied. The audit feed posts both to the audit channel like any decision.
 */
export async function decideByRule(
  deps: ToolDeps,
  grant: Grant,
  audit: Pick<AuditEvent, 'userId' | 'userEmail' | 'sid' | 'organizationId' | 'callId'>,
): Promise<Grant> {
  const rule = grant.policy?.decidedByRule;
  const decision = ruleDecision(grant.policy);
  if (!rule || !decision || grant.status !== 'pending') return grant;
  const denied = decision === 'deny';
  const by = ruleActor(rule);
  const result = denied
    ? await deps.store.deny(
        grant.id,
        by,
        `denied by policy rule ${rule}${outsideHoursOf(grant, rule) ? ' (outside its hours)' : ''}`,
      )
    : await deps.store.approve(grant.id, by, {});
  if (!result.ok) return result.code === 'conflict' ? result.grant : grant;
  const decided = result.grant;
  deps.audit.record({
    type: denied ? 'grant.denied' : 'grant.approved',
    ...audit,
    grantId: decided.id,
    kind: decided.kind,
    actor: { type: 'system', id: by.id, via: 'system' },
    level: decided.level,
    providers: decided.providers,
    ...(decided.expiresAt ? { durationMs: decided.durationMs, expiresAt: decided.expiresAt } : {}),
    ...policyAuditFields(decided),
    detail: `rule ${rule}`,
  });
  return decided;
}

/** True when `rule` decided because its hours did not hold (outsideHours: deny), for a clear reason. */
export function outsideHoursOf(grant: Grant, rule: string): boolean {
  return (grant.policy?.gates ?? []).some((gate) => gate.outsideHours?.includes(rule));
}
