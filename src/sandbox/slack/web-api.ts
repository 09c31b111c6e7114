// Slack Web API at POST /api/<method>: form or JSON arguments, Bearer tokens, {ok} bodies, 429 with Retry-After,
// and the outages and rate limits tests switch on.
import express, { type Request, type Response, type Router } from 'express';
import { type ApiContext, ApiError, type Args, JSON_ARGS, str } from './api-args.js';
import { METHODS } from './api-methods.js';
import { requireMethodScope } from './scopes.js';
import { outagePage } from './traffic.js';
import type { Block } from './types.js';

export type { ApiContext } from './api-args.js';

function recordedArgs(args: Args): Args {
  const { token: _token, ...rest } = args;
  for (const name of JSON_ARGS) {
    if (typeof rest[name] !== 'string') continue;
    try {
      rest[name] = JSON.parse(rest[name] as string);
    } catch {
      // Leave malformed JSON as sent; the call itself reports it.
    }
  }
  return rest;
}

export function webApiRoutes(ctx: ApiContext): Router {
  const router = express.Router();
  const parsers = [express.urlencoded({ extended: false, limit: '2mb' }), express.json({ limit: '2mb' })];
  router.all('/api/:method', ...parsers, async (req: Request, res: Response) => {
    // A slow Slack: the answer comes this much later (the 3-second ack budget is tested against it).
    const latency = ctx.latencyMs?.() ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const method = String(req.params.method);
    const args: Args = { ...(req.query as Args), ...((req.body ?? {}) as Args) };
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? str(args.token);
    const tokenKind =
      token === undefined
        ? 'none'
        : token === ctx.botToken
          ? 'bot'
          : ctx.appToken && token === ctx.appToken
            ? 'app'
            : 'unknown';
    const at = Date.now();
    const { state } = ctx;
    const record = (status: number, body: Block, retryAfter?: number) =>
      state.recordCall(
        {
          method,
          args: recordedArgs(args),
          status,
          ok: body.ok === true,
          error: body.error,
          tokenKind,
          ...(retryAfter !== undefined ? { retryAfter } : {}),
        },
        at,
      );
    const send = (status: number, body: Block, retryAfter?: number) => {
      if (tokenKind === 'bot') res.set('x-oauth-scopes', [...ctx.scopes].join(','));
      if (retryAfter !== undefined) res.set('retry-after', String(retryAfter));
      res.status(status).json(body);
    };
    const answer = (status: number, body: Block, retryAfter?: number) => {
      record(status, body, retryAfter);
      send(status, body, retryAfter);
    };
    // An outage fails at Slack's edge, before the method, the token or rate limits are looked at.
    const outage = state.traffic.outageStatus(method, at);
    if (outage !== null) {
      record(outage, { ok: false });
      res.status(outage).type('html').send(outagePage(outage));
      return;
    }
    const spec = METHODS[method];
    if (!spec) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    if (tokenKind === 'none') return answer(200, { ok: false, error: 'not_authed' });
    if (tokenKind === 'unknown') return answer(200, { ok: false, error: 'invalid_auth' });
    if (tokenKind !== spec.token) return answer(200, { ok: false, error: 'not_allowed_token_type' });
    const retryAfter = state.traffic.admit(method, at, str(args.channel));
    if (retryAfter !== null) return answer(429, { ok: false, error: 'ratelimited' }, retryAfter);
    let body: Block;
    try {
      if (spec.token === 'bot') requireMethodScope(ctx.scopes, method);
      body = { ok: true, ...spec.run(args, ctx) };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      body = { ok: false, error: error.error, ...error.extra };
    }
    const hold = state.traffic.takeHold(method, recordedArgs(args));
    if (!hold) return answer(200, body);
    // Done and recorded, but the answer waits: a client that dies meanwhile never learns it.
    record(200, body);
    hold.arrived({ method, args: recordedArgs(args) });
    void hold.released.then(() => {
      if (!res.destroyed) send(200, body);
    });
  });
  return router;
}
