// The consent message a client shows the person: who will approve and where, in words that mean something outside Slack.

/** Names listed before "and N others": a message is read at a glance. */
const MAX_NAMES = 3;

/** Where the request's Slack message is (or will be). */
export type ConsentPlace =
  /** The requester's own DM with the bot: they may approve it themselves. */
  | { kind: 'dm' }
  /** A channel; `name` null when Slack did not say in time (the id is then all there is). */
  | { kind: 'channel'; id: string; name: string | null };

/** Who may approve, as people know them (`@bob`, `@data-team`, an email), and how many approvals it takes. */
export interface ConsentApprovers {
  names: string[];
  /** Approvers beyond `names` that were not looked up (long lists are cut short before asking Slack). */
  more: number;
  needed: number;
}

/** Who and where, as far as known: what the Slack side answers (src/slack/consent-audience.ts). */
export interface ConsentAudience {
  place: ConsentPlace | null;
  approvers: ConsentApprovers | null;
}

export interface ConsentWordingInput {
  /** What is asked, e.g. `read access to linear` or `POST https://…`. */
  what: string;
  /** Null without Slack: the consent page is the only place. */
  place: ConsentPlace | null;
  /** Null when not known (Slack slow or down, or nobody named). */
  approvers: ConsentApprovers | null;
}

/** "@a, @b or @c", "@a, @b, @c or 2 others"; with `and` for "all of these" lists (N-of-M). */
export function listNames(names: readonly string[], conjunction: 'or' | 'and', more = 0): string {
  const unique = [...new Set(names)];
  const shown = unique.slice(0, MAX_NAMES);
  const rest = unique.length - shown.length + more;
  if (rest > 0) return `${shown.join(', ')} ${conjunction} ${rest} ${rest === 1 ? 'other' : 'others'}`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} ${conjunction} ${shown.at(-1)}`;
}

/** "waiting for @bob", "needs 2 approvals from @data-team", or "waiting for an approver" when nobody is known. */
function whoPhrase(approvers: ConsentApprovers | null): string {
  const names = approvers?.names ?? [];
  if (!approvers || names.length === 0) return 'waiting for an approver';
  if (approvers.needed > 1)
    return `needs ${approvers.needed} approvals from ${listNames(names, 'and', approvers.more)}`;
  return `waiting for ${listNames(names, 'or', approvers.more)}`;
}

/** "in #access-approvals"; without the name, the Slack reference (what it said before names were looked up). */
function wherePhrase(place: ConsentPlace & { kind: 'channel' }): string {
  return place.name ? `in #${place.name}` : `in Slack (<#${place.id}>)`;
}

/** The whole message: what, who and where, then the link. */
export function consentWording({ what, place, approvers }: ConsentWordingInput): string {
  let status: string;
  if (place?.kind === 'dm')
    status = 'waiting for you in your Slack direct messages (you may approve this yourself)';
  else if (place) status = `${whoPhrase(approvers)} ${wherePhrase(place)}`;
  else status = whoPhrase(approvers);
  return `Countersign needs a person to approve ${what}: ${status}, or open this link to decide (you sign in there; the decision is bound to this request).`;
}
