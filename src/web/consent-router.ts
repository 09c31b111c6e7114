// The web consent fallback: /approve shows a grant to someone allowed to decide it and records their decision.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AuditSink } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { PeopleLookup } from '../grants/rules/verdict.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Logger } from '../lib/logger.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../lib/unavailable.js';
import { registerAuthRoutes, signInPath, type WorkosSignIn } from './auth-routes.js';
import { readSession } from './browser-session.js';
import { decide } from './consent-decide.js';
import { openLink } from './consent-link.js';
import { judgeViewer } from './consent-policy.js';
import { consentFormPage, viewerRights } from './consent-view.js';
import { checkSameOrigin, csrfToken } from './csrf.js';
import { grantStatePage } from './pages/grant-state.js';
import {
  badRequestPage,
  errorPage,
  forbiddenPage,
  invalidLinkPage,
  notAllowedPage,
  unavailablePage,
} from './pages/notices.js';
import { pageContext, publicSite, SECURITY_HEADERS, securityHeaders, sendPage } from './respond.js';

export interface ConsentRouterDeps {
  config: Config;
  store: GrantStore;
  /** Only `userManagement.getAuthorizationUrl` and `authenticateWithCode` are used; a `WorkOS` instance fits. */
  workos: WorkosSignIn;
  audit: AuditSink;
  /** Display name of a provider id ("linear" → "Linear"); defaults to the id. */
  providerNames?: (id: string) => string;
  logger: Logger;
  /** The clock, for tests; defaults to Date.now. Keep it the store's clock. */
  now?: () => number;
  /** Slack identities and user groups, so group approvers count on the web page too; absent without Slack. */
  people?: PeopleLookup;
}

/**
 * Mount at the root with `app.use(createConsentRouter(deps))`. The form parser sits on these routes only:
 * a global body parser would consume the raw body that Slack's signature check needs.
 */
export function createConsentRouter(deps: ConsentRouterDeps): Router {
  const { config, store, audit, logger } = deps;
  const now = deps.now ?? Date.now;
  const names = deps.providerNames ?? ((id: string) => id);
  const site = publicSite(config);
  const cookieSecret = config.secrets.cookie;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 });
  const linkDeps = { config, store, names, people: deps.people, now };

  registerAuthRoutes(router, { config, site, workos: deps.workos, logger, now });
  const approvePath = (token: string) => `${site.basePath}/approve?token=${encodeURIComponent(token)}`;

  router.get('/approve', securityHeaders, async (req, res) => {
    const at = now();
    const session = await readSession(req, site, cookieSecret, at);
    const ctx = pageContext(site, session, at);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    if (!token) {
      return sendPage(
        res,
        400,
        invalidLinkPage(ctx, 'It carries no approval token. Open the link exactly as it was given.'),
      );
    }
    // The link is checked before sign-in, so nobody signs in only to learn that it was dead.
    const link = await openLink(linkDeps, ctx, token, session);
    if ('page' in link) return sendPage(res, link.status, link.page);
    if (!session) return res.redirect(302, signInPath(site, approvePath(token)));

    const { grant } = link;
    const rights = viewerRights(
      grant,
      await judgeViewer({ config, people: deps.people, now }, grant, session),
    );
    if (!rights.deny.ok)
      return sendPage(res, 403, notAllowedPage(ctx, rights.deny.reason, grant.owner.userEmail));
    if (grant.status !== 'pending') return sendPage(res, 200, grantStatePage(grant, ctx, names));
    const csrf = csrfToken(cookieSecret, session.sid, grant.id);
    const page = consentFormPage(
      { grant, rights, token, csrf, maxAccessMs: config.durations.maxAccessMs, providerNames: names },
      ctx,
    );
    sendPage(res, 200, page);
  });

  router.post('/approve', securityHeaders, form, async (req, res) => {
    const at = now();
    const session = await readSession(req, site, cookieSecret, at);
    const ctx = pageContext(site, session, at);
    const origin = checkSameOrigin(req, site.origin);
    if (!origin.ok) return sendPage(res, 403, forbiddenPage(ctx, `Decision refused: ${origin.reason}.`));

    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null) {
      return sendPage(res, 400, badRequestPage(ctx, 'The decision was not sent as a web form.'));
    }
    const fields = body as Record<string, unknown>;
    const token = typeof fields.token === 'string' ? fields.token : '';
    if (!token) return sendPage(res, 400, badRequestPage(ctx, 'The form carried no approval token.'));
    const link = await openLink(linkDeps, ctx, token, session);
    if ('page' in link) return sendPage(res, link.status, link.page);
    // Signed out (or the 8-hour session ended) while the form was open: sign in and see the form afresh.
    if (!session) return res.redirect(303, signInPath(site, approvePath(token)));

    const decided = await decide(
      { config, store, audit, names, people: deps.people, now },
      ctx,
      session,
      link.grant,
      token,
      fields,
    );
    sendPage(res, decided.status, decided.page);
  });

  // Errors from these routes only: a router's error handler never sees the rest of the app's requests.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    res.set(SECURITY_HEADERS);
    const ctx = pageContext(site, null, now());
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large' || type === 'parameters.too.many') {
      return sendPage(res, 413, badRequestPage(ctx, 'The form was too large.'));
    }
    if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendPage(res, 400, badRequestPage(ctx, 'The form could not be read.'));
    }
    if (isUnavailable(err)) {
      logger.warn({ err, path: req.path }, 'consent page answered 503: Redis did not answer');
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      return sendPage(res, 503, unavailablePage(ctx, RETRY_AFTER_SECONDS));
    }
    logger.error({ err, path: req.path }, 'consent page failed');
    sendPage(res, 500, errorPage(ctx));
  });

  return router;
}
