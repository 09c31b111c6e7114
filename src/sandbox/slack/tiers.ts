// Slack's default Web API rate limits, always on in the stand-in (tests may set their own for a method): the
// documented tier of each method we call, per minute and workspace, and chat.postMessage / chat.update per
// channel (about one a second, short bursts allowed). https://api.slack.com/apis/rate-limits
import type { SlackRateLimitRule } from './types.js';

/** Calls per minute: Tier 1 1+, Tier 2 20+, Tier 3 50+, Tier 4 100+ (Slack's floor for each tier). */
const TIER = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

const perMinute = (tier: keyof typeof TIER): SlackRateLimitRule => ({
  perWindow: TIER[tier],
  windowSeconds: 60,
});

/** Per method and workspace. chat.postMessage has no workspace tier ("special": per channel only). */
export const DEFAULT_METHOD_LIMITS: Readonly<Record<string, SlackRateLimitRule>> = {
  // Tier 1 ("a small amount of burst behavior is tolerated"): a connect and a couple of reconnects a minute.
  'apps.connections.open': { perWindow: 3, windowSeconds: 60 },
  'auth.test': perMinute(4),
  'chat.delete': perMinute(3),
  'chat.getPermalink': perMinute(4),
  'chat.postEphemeral': perMinute(4),
  'chat.update': perMinute(3),
  'conversations.history': perMinute(3),
  'conversations.info': perMinute(3),
  'conversations.open': perMinute(3),
  'usergroups.list': perMinute(2),
  'usergroups.users.list': perMinute(2),
  'users.info': perMinute(4),
  'users.lookupByEmail': perMinute(3),
  'views.publish': perMinute(4),
};

/** Per channel: one message a second on average, a burst of ten allowed (Slack: "short bursts over that limit"). */
export const DEFAULT_CHANNEL_LIMITS: Readonly<Record<string, SlackRateLimitRule>> = {
  'chat.postMessage': { perWindow: 10, windowSeconds: 10 },
  'chat.update': { perWindow: 10, windowSeconds: 10 },
};
