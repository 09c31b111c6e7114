// From an approval link to its grant, or to the page that explains why the link decides nothing.
import type { Config } from '../config.js';
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import { readApprovalToken } from './approval-token.js';
import type { BrowserSession } from './browser-session.js';
import { judgeViewer } from './consent-policy.js';
import { viewerRights } from './consent-view.js';
import type { ProviderNames } from './pages/describe.js';
import { grantStatePage } from './pages/grant-state.js';
import type { PageContext } from './pages/layout.js';
import { expiredLinkPage, invalidLinkPage, notFoundPage } from './pages/notices.js';

export interface LinkDeps {
  config: Config;
  store: GrantStore;
  names: ProviderNames;
  people?: PeopleLookup | undefined;
  now: () => number;
}

export type LinkOutcome = { grant: Grant } | { status: number; page: string };

export async function openLink(
  deps: LinkDeps,
  ctx: PageContext,
  token: string,
  session: BrowserSession | null,
): Promise<LinkOutcome> {
  const read = await readApprovalToken(deps.config.secrets.approvalToken, token, ctx.now);
  if ('error' in read && read.error === 'invalid') return { status: 400, page: invalidLinkPage(ctx) };
  if ('error' in read) {
    // An old link cannot decide anything, but someone entitled to see the request may learn what became of it.
    const grant = session ? await deps.store.get(read.grantId) : null;
    const visible =
      grant &&
      session &&
      grant.owner.userId === read.userId &&
      grant.status !== 'pending' &&
      viewerRights(grant, await judgeViewer(deps, grant, session)).deny.ok;
    return visible
      ? {
          status: 200,
          page: grantStatePage(
            grant,
            ctx,
            deps.names,
            'This link has expired; this is what became of the request.',
          ),
        }
      : { status: 410, page: expiredLinkPage(ctx) };
  }
  const grant = await deps.store.get(read.grantId);
  if (!grant) return { status: 404, page: notFoundPage(ctx) };
  // The token names the requester too: a token minted for one person's grant cannot point at someone else's.
  if (grant.owner.userId !== read.userId) return { status: 400, page: invalidLinkPage(ctx) };
  return { grant };
}
