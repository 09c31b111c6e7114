// Publishes each person's App Home from the live grants and their role; remembers who looks at it, so a change
// re-publishes the Homes of recent viewers (coalesced by a job) instead of every member of the workspace.
import type { WebClient } from '@slack/web-api';
import type { Config, SlackConfig } from '../config.js';
import { summarizePolicy } from '../grants/rules/explain.js';
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import { policyInForce } from '../lib/policy-in-force.js';
import type { RedisClient as Redis } from '../redis/connections.js';
import { isRequesterOf, roleOf } from './click-policy.js';
import type { SlackDirectory } from './directory.js';
import type { ViewContext } from './ids.js';
import { liveGrants } from './live-grants.js';
import type { MessageRefs } from './message-refs.js';
import { homeView } from './views/home.js';

/** A Home opened within this window is kept current. */
const VIEWER_TTL_MS = 24 * 3600_000;
const MAX_GRANTS = 200;
const AUDIT_LINES = 10;

export interface HomePublisherDeps {
  redis: Redis;
  prefix: string;
  slack: SlackConfig;
  policy: Config['policy'];
  store: GrantStore;
  refs: MessageRefs;
  directory: SlackDirectory;
  viewContext(grant: Grant): Promise<ViewContext>;
  /** The latest audit events as short mrkdwn lines, newest first. */
  recentAudit(count: number): Promise<string[]>;
  /** What the Slack self-check found wrong (plain sentences), shown to admins. */
  setupProblems?(): string[];
  now(): number;
}

export class HomePublisher {
  private readonly viewersKey: string;

  constructor(private readonly deps: HomePublisherDeps) {
    this.viewersKey = `${deps.prefix}slack:home-viewers`;
  }

  async opened(userId: string): Promise<void> {
    await this.deps.redis.zadd(this.viewersKey, this.deps.now(), userId);
  }

  /** Re-publishes the Home of everyone who opened it lately (the homes job, after changes). */
  async refreshViewers(client: WebClient): Promise<void> {
    const since = this.deps.now() - VIEWER_TTL_MS;
    await this.deps.redis.zremrangebyscore(this.viewersKey, '-inf', since);
    const viewers = await this.deps.redis.zrangebyscore(this.viewersKey, since, '+inf');
    for (const userId of viewers) await this.publish(client, userId);
  }

  async publish(client: WebClient, userId: string): Promise<void> {
    const { deps } = this;
    const now = deps.now();
    const [{ pending, active }, viewer] = await Promise.all([
      liveGrants(deps, now, MAX_GRANTS),
      deps.directory.user(userId),
    ]);
    const role = await roleOf(viewer, deps);
    const mine = (g: Grant) => viewer !== null && isRequesterOf(g, viewer);
    const input = {
      mine: { pending: pending.filter(mine), active: active.filter(mine) },
      toDecide: role.approver || role.admin ? pending.filter((g) => !mine(g)) : [],
      allActive: role.admin ? active : null,
      recentAudit: role.admin ? await deps.recentAudit(AUDIT_LINES) : null,
      setupProblems: role.admin ? (deps.setupProblems?.() ?? []) : [],
      policySummary: role.admin ? summarizePolicy(policyInForce(deps)) : null,
    };
    const shown = new Set([
      ...input.mine.pending,
      ...input.mine.active,
      ...input.toDecide,
      ...(input.allActive ?? []),
    ]);
    const contexts = new Map<string, ViewContext>();
    for (const grant of shown) contexts.set(grant.id, await deps.viewContext(grant));
    const view = homeView({ ...input, ctxFor: (grant) => contexts.get(grant.id)! });
    await client.views.publish({ user_id: userId, view: view as never });
  }
}
