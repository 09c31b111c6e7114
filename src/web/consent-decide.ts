// A posted decision, checked step by step (form check, policy, state, fields) before one atomic store call.
import type { AuditSink } from '../audit/audit-log.js';
import { grantFields, ownerFields, workosActor } from '../audit/fields.js';
import type { Config } from '../config.js';
import { currentScope, describeMissing, stillMissing } from '../grants/quorum.js';
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { GrantStore, TransitionResult } from '../grants/store-api.js';
import type { Actor, Grant } from '../grants/types.js';
import type { BrowserSession } from './browser-session.js';
import { approvalChoice, type DecisionForm, parseDecisionForm } from './consent-form.js';
import { judgeViewer, webRight } from './consent-policy.js';
import { consentFormPage, viewerRights } from './consent-view.js';
import { csrfMatches, csrfToken } from './csrf.js';
import type { ProviderNames } from './pages/describe.js';
import { grantStatePage } from './pages/grant-state.js';
import type { PageContext } from './pages/layout.js';
import { badRequestPage, forbiddenPage, notAllowedPage, notFoundPage } from './pages/notices.js';

export interface DecideDeps {
  config: Config;
  store: GrantStore;
  audit: AuditSink;
  names: ProviderNames;
  people?: PeopleLookup | undefined;
  now: () => number;
}

export interface Decided {
  status: number;
  page: string;
}

function actorOf(session: BrowserSession): Actor {
  return {
    type: 'user',
    id: session.userId,
    email: session.email,
    ...(session.name ? { name: session.name } : {}),
    via: 'web',
  };
}

/**
 * Every refusal leaves the grant untouched and the link usable: nothing here spends the token. Only the
 * store's pending→decided compare-and-set does, so a mistake can be corrected and the form sent again.
 */
export async function decide(
  deps: DecideDeps,
  ctx: PageContext,
  session: BrowserSession,
  grant: Grant,
  token: string,
  body: Record<string, unknown>,
): Promise<Decided> {
  const { config, store, audit, names } = deps;
  const actor = actorOf(session);
  // The owner's identity and the grant, plus the approver by WorkOS user id and email.
  const about = {
    ...ownerFields(grant.owner),
    ...grantFields(grant),
    actor: workosActor('user', 'web', { id: session.userId, email: session.email }),
  };
  const refused = (detail: string) => audit.record({ type: 'grant.decision_refused', ...about, detail });
  const notAllowed = (reason: string): Decided => {
    refused(`not allowed: ${reason}`);
    return { status: 403, page: notAllowedPage(ctx, reason, grant.owner.userEmail) };
  };
  const stale = (current: Grant): Decided => {
    refused(`no longer pending: ${current.status}`);
    const lead = 'Your decision was not recorded: this request is no longer waiting for one.';
    return { status: 409, page: grantStatePage(current, ctx, names, lead) };
  };

  if (!csrfMatches(config.secrets.cookie, session.sid, grant.id, body.csrf)) {
    refused('form check (csrf) missing or wrong');
    return {
      status: 403,
      page: forbiddenPage(ctx, 'The form check failed: reload the approval page and decide again.'),
    };
  }
  // Judged against the policy in force now, not the one the request was made under.
  const judge = await judgeViewer(deps, grant, session);
  const rights = viewerRights(grant, judge);
  if (!rights.deny.ok) return notAllowed(rights.deny.reason);
  if (grant.status !== 'pending') return stale(grant);

  const parsed = parseDecisionForm(body);
  if (!parsed.ok) return { status: 400, page: badRequestPage(ctx, parsed.message) };
  const form = parsed.value;
  // A refused choice shows the form again, as the person filled it in, with the reason on top.
  const again = (error: string, current: Grant = grant): Decided => ({
    status: 400,
    page: consentFormPage(
      {
        grant: current,
        rights: viewerRights(current, judge),
        token,
        csrf: csrfToken(config.secrets.cookie, session.sid, current.id),
        maxAccessMs: config.durations.maxAccessMs,
        providerNames: names,
        error,
        submitted: submittedValues(form),
      },
      ctx,
    ),
  });

  let result: TransitionResult;
  if (form.decision === 'deny') {
    result = await store.deny(grant.id, actor, form.notes || null);
  } else {
    const choice = approvalChoice(grant, form, config.durations.maxAccessMs);
    if (!choice.ok) return again(choice.message);
    const providers = choice.value.choice.providers ?? currentScope(grant);
    const right = webRight(judge, choice.value.level, providers);
    if (!right.ok) return notAllowed(right.reason);
    result = await store.approve(grant.id, actor, choice.value.choice, right.quorum);
  }

  if (!result.ok) {
    switch (result.code) {
      case 'conflict':
        return stale(result.grant);
      case 'invalid':
        // E.g. the same approver again on N-of-M: audited like any refused decision.
        refused(result.message);
        return again(`${result.message[0]?.toUpperCase()}${result.message.slice(1)}.`, result.grant);
      case 'not_found':
        return { status: 404, page: notFoundPage(ctx) };
      case 'forbidden':
        return notAllowed('the store refused this decision');
    }
  }
  const g = result.grant;
  const last = g.status === 'pending' ? g.approvals?.at(-1) : undefined;
  audit.record(
    last
      ? {
          type: 'grant.approval_recorded',
          ...about,
          ...grantFields(g),
          level: last.level,
          providers: last.providers,
          durationMs: last.durationMs,
        }
      : g.status === 'approved'
        ? {
            type: 'grant.approved',
            ...about,
            level: g.level,
            providers: g.providers,
            durationMs: g.durationMs,
            ...(g.expiresAt ? { expiresAt: g.expiresAt } : {}),
          }
        : { type: 'grant.denied', ...about },
  );
  const lead = last
    ? `Your approval is recorded. This request still needs ${describeMissing(stillMissing(g))}.`
    : undefined;
  return { status: 200, page: grantStatePage(g, ctx, names, lead) };
}

function submittedValues(form: DecisionForm) {
  return {
    notes: form.notes,
    ...(form.providers ? { providers: form.providers } : {}),
    ...(form.level ? { level: form.level } : {}),
    ...(form.duration !== undefined ? { durationMs: form.duration } : {}),
  };
}
