// What the signed-in person may do with a grant, and the consent form drawn for exactly that.
import type { Decider, DecisionRight } from '../grants/policy.js';
import { currentScope } from '../grants/quorum.js';
import type { Grant, Level } from '../grants/types.js';
import type { BrowserSession } from './browser-session.js';
import { defaultDuration, durationChoices } from './consent-form.js';
import { type WebJudge, webRight } from './consent-policy.js';
import { broadConsentPage } from './pages/consent-broad.js';
import { requestConsentPage } from './pages/consent-request.js';
import type { ProviderNames } from './pages/describe.js';
import type { PageContext } from './pages/layout.js';

export interface ViewerRights {
  /** Denying is the weakest decision: whoever may not deny may not see the request at all. */
  deny: DecisionRight;
  /** Levels this person may approve at, highest first; empty when they may only deny. */
  approvable: Level[];
  /** Why approval is limited or impossible for them, in the policy's words; null when it is not. */
  limitNote: string | null;
}

/** The policy matches approvers by email, so only an email WorkOS has verified may count. */
export function deciderOf(session: BrowserSession): Decider {
  return { userId: session.userId, ...(session.emailVerified ? { email: session.email } : {}) };
}

export function viewerRights(grant: Grant, judge: WebJudge): ViewerRights {
  const scope = currentScope(grant);
  const right = (level: Level | 'deny'): DecisionRight => {
    const verdict = webRight(judge, level, scope);
    return verdict.ok ? { ok: true, as: verdict.as } : verdict;
  };
  const deny = right('deny');
  // A single call needs exactly its level; a broad request may be downgraded from write to read.
  const candidates: Level[] =
    grant.kind === 'request'
      ? [grant.level]
      : grant.requestedLevel === 'write'
        ? ['write', 'read']
        : ['read'];
  const approvable = candidates.filter((level) => right(level).ok);
  const top = right(candidates[0]!);
  const limitNote = top.ok ? null : `${top.reason[0]?.toUpperCase()}${top.reason.slice(1)}.`;
  return { deny, approvable, limitNote };
}

export interface ConsentFormInput {
  grant: Grant;
  rights: ViewerRights;
  token: string;
  csrf: string;
  maxAccessMs: number;
  providerNames: ProviderNames;
  /** After a refused submission: its message and what the person had chosen, so nothing they typed is lost. */
  error?: string | null;
  submitted?: { providers?: string[]; level?: Level; durationMs?: number; notes: string };
}

export function consentFormPage(input: ConsentFormInput, ctx: PageContext): string {
  const { grant, rights, submitted } = input;
  const base = {
    grant,
    token: input.token,
    csrf: input.csrf,
    limitNote: rights.limitNote,
    error: input.error ?? null,
    notes: submitted?.notes ?? '',
    providerNames: input.providerNames,
  };
  if (grant.kind === 'request') {
    return requestConsentPage({ ...base, canApprove: rights.approvable.length > 0 }, ctx);
  }
  const choices = durationChoices(grant.requestedDurationMs, input.maxAccessMs);
  const wanted = submitted?.durationMs ?? defaultDuration(grant.requestedDurationMs, input.maxAccessMs);
  const level = submitted?.level ?? rights.approvable[0] ?? grant.requestedLevel;
  return broadConsentPage(
    {
      ...base,
      approvable: rights.approvable,
      durationChoices: choices,
      chosen: {
        providers: (submitted?.providers ?? grant.requestedProviders).filter((id) =>
          grant.requestedProviders.includes(id),
        ),
        level: rights.approvable.includes(level) ? level : (rights.approvable[0] ?? grant.requestedLevel),
        durationMs: choices.includes(wanted)
          ? wanted
          : defaultDuration(grant.requestedDurationMs, input.maxAccessMs),
      },
    },
    ctx,
  );
}
