// Stand-in WorkOS REST API behind the API key: users (W4) and Pipes data integrations (W7), plus the connect page.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { localBrowserPage } from './auth-routes.js';
import type { StandInContext } from './context.js';
import { connectedPage, errorPage } from './pages.js';
import { DATA_INTEGRATIONS, dataProviderJson, userJson } from './state.js';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export function apiRoutes(ctx: StandInContext): Router {
  const router = express.Router();
  const { state } = ctx;

  const requireApiKey = (req: Request, res: Response, next: NextFunction) => {
    // The SDK turns any 401 into UnauthorizedException; a JSON body keeps it from becoming a ParseError.
    if (req.get('authorization') !== `Bearer ${ctx.apiKey}`) {
      res.status(401).json({ message: 'Unauthorized' });
      return;
    }
    if (state.outage) {
      res.status(503).json({ message: 'Service Unavailable' });
      return;
    }
    next();
  };

  const unknownOrganization = (res: Response, organizationId: string | undefined): boolean => {
    if (organizationId === undefined || state.organizations.has(organizationId)) return false;
    res.status(404).json({ message: `Organization not found: '${organizationId}'.` });
    return true;
  };

  router.get('/user_management/users/:id', requireApiKey, (req, res) => {
    const person = state.people.get(req.params.id as string);
    if (!person) {
      res.status(404).json({
        code: 'entity_not_found',
        entity_id: req.params.id,
        message: `User not found: '${req.params.id}'.`,
      });
      return;
    }
    res.json(userJson(person));
  });

  router.get('/user_management/users/:id/data_providers', requireApiKey, (req, res) => {
    const userId = req.params.id as string;
    if (!state.people.has(userId)) {
      res.status(404).json({ message: `User not found: '${userId}'.` });
      return;
    }
    const organizationId = text(req.query.organization_id);
    if (unknownOrganization(res, organizationId)) return;
    // W7.2 has no list_metadata, unlike the SDK's paginated lists.
    res.json({
      object: 'list',
      data: DATA_INTEGRATIONS.map((i) =>
        dataProviderJson(i, userId, organizationId ?? null, state.connection(userId, i.slug)),
      ),
    });
  });

  router.post('/data-integrations/:slug/token', requireApiKey, (req, res) => {
    const integration = DATA_INTEGRATIONS.find((i) => i.slug === req.params.slug);
    if (!integration) {
      res.status(404).json({ message: `Data integration not found: '${req.params.slug}'.` });
      return;
    }
    const userId = text(req.body?.user_id);
    if (!userId) {
      res.status(422).json({ code: 'invalid_request_parameters', message: 'user_id is required.' });
      return;
    }
    const organizationId = text(req.body?.organization_id);
    if (unknownOrganization(res, organizationId)) return;
    if (!state.people.has(userId)) {
      res.status(404).json({ message: `User not found: '${userId}'.` });
      return;
    }
    const connection = state.connection(userId, integration.slug);
    if (connection !== 'connected') {
      // Always HTTP 200: a missing connection is an answer, not an error (W7.1).
      res.json({
        active: false,
        error: connection === 'needs_reauthorization' ? 'needs_reauthorization' : 'not_installed',
      });
      return;
    }
    const issued = state.issueProviderToken(
      integration.slug,
      userId,
      organizationId ?? null,
      ctx.providerTokenTtlMs,
    );
    res.json({
      active: true,
      access_token: {
        object: 'access_token',
        access_token: issued.token,
        expires_at: issued.expiresAt === null ? null : new Date(issued.expiresAt).toISOString(),
        scopes: integration.scopes ?? [],
        missing_scopes: [],
      },
    });
  });

  router.post('/data-integrations/:slug/authorize', requireApiKey, (req, res) => {
    const integration = DATA_INTEGRATIONS.find((i) => i.slug === req.params.slug);
    if (!integration) {
      res.status(404).json({ message: `Data integration not found: '${req.params.slug}'.` });
      return;
    }
    const userId = text(req.body?.user_id);
    if (!userId || !state.people.has(userId)) {
      res.status(404).json({ message: `User not found: '${userId ?? ''}'.` });
      return;
    }
    if (unknownOrganization(res, text(req.body?.organization_id))) return;
    const url = new URL(`/sandbox/connect/${integration.slug}`, ctx.baseUrl());
    url.searchParams.set('user', userId);
    const returnTo = text(req.body?.return_to);
    if (returnTo && /^https?:\/\//i.test(returnTo)) url.searchParams.set('return_to', returnTo);
    res.json({ url: url.toString() });
  });

  // Where the authorize URL leads: a real deployment shows the provider's consent screen here.
  router.get('/sandbox/connect/:slug', localBrowserPage, (req, res) => {
    const integration = DATA_INTEGRATIONS.find((i) => i.slug === req.params.slug);
    const person = state.people.get(text(req.query.user) ?? '');
    if (!integration || !person) {
      res.status(404).type('html').send(errorPage('Unknown integration or person.'));
      return;
    }
    state.setConnection(person.id, integration.slug, 'connected');
    const returnTo = text(req.query.return_to);
    res
      .type('html')
      .send(
        connectedPage(integration.name, person, returnTo && /^https?:\/\//i.test(returnTo) ? returnTo : null),
      );
  });

  return router;
}
