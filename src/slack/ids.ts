// Action and block ids shared by the Block Kit views and the listeners that read them.
import type { GrantUsage } from '../grants/types.js';

export const ACTION = {
  approve: 'cs_approve',
  deny: 'cs_deny',
  openInBrowser: 'cs_open_in_browser',
  providers: 'cs_providers',
  level: 'cs_level',
  duration: 'cs_duration',
  notes: 'cs_notes',
  revoke: 'cs_revoke',
  extend: 'cs_extend',
} as const;

/**
 * Block ids carry the grant's version so that each re-render gets fresh ids (Slack keeps input state per
 * block id); listeners find inputs by action id, never by block id.
 */
export const blockId = (name: string, version: number) => `cs_${name}_v${version}`;

/** Slack person the message is about, resolved from the requester's email. */
export interface SlackRequester {
  email: string;
  slackUserId: string | null;
}

/** What a view needs besides the grant itself; every field is data, so views stay pure. */
export interface ViewContext {
  requester: SlackRequester;
  /** Display names of providers by id ("linear" → "Linear"). */
  providerNames: Record<string, string>;
  /** Longest duration an approver may choose, and the default when none was asked for. */
  maxAccessMs: number;
  defaultAccessMs: number;
  /** Consent page link for a pending grant (absent once decided). */
  approvalUrl: string | null;
  /** Slack user id of the decider when known (decisions made in Slack). */
  deciderSlackUserId?: string | null;
  /** Upstream outcomes of an approved grant, when it has been used. */
  usage?: GrantUsage | null;
  now: number;
}
