// Slack stand-in helpers for e2e tests of approval messages: find a request's message, click it, read notices.
import { expect } from 'vitest';
import type { SlackMessage, SlackStandIn } from '../../src/sandbox/slack/index.js';

/** A message's text and blocks as one string, for pattern checks. */
export const shown = (m: SlackMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;

/** The request message for a grant (the one whose Approve button names it), once the job has posted it. */
export function messageOf(
  slack: SlackStandIn,
  grantId: string,
  extra: (m: SlackMessage) => boolean = () => true,
): Promise<SlackMessage> {
  const approves = (m: SlackMessage) =>
    m.blocks.some((b) =>
      (b.elements ?? []).some(
        (e: { action_id?: string; value?: string }) => e.action_id === 'cs_approve' && e.value === grantId,
      ),
    );
  return slack.waitForMessage((m) => approves(m) && extra(m), 30_000, { includeExisting: true });
}

export function clickApprove(
  slack: SlackStandIn,
  as: string,
  m: SlackMessage,
  state: Record<string, string | string[] | null> = {},
) {
  return slack.click({ as, channel: m.channel, ts: m.ts, actionId: 'cs_approve', state });
}

/** The first ephemeral notice to `user` after the `seen` first ones that matches `pattern`. */
export async function nextNotice(
  slack: SlackStandIn,
  user: string,
  pattern: RegExp,
  seen: number,
): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(
      () => {
        found = slack
          .ephemerals(user)
          .slice(seen)
          .map((e) => e.text)
          .find((text) => pattern.test(text));
        return found;
      },
      { timeout: 30_000 },
    )
    .toBeDefined();
  return found!;
}
