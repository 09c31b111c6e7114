// The policy file's shape, validated with zod: strict everywhere (an unknown key is an error), durations parsed.
import { z } from 'zod';
import { positiveDuration } from '../../lib/duration.js';

const text = z.string().trim().min(1, 'must not be empty');
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must list at least one entry');

const duration = positiveDuration('"15m", "8h" or "7d"');

const level = z.enum(['read', 'write']);
const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U0123ABCD');
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user-group id such as S0123ABCD');
const email = z
  .string()
  .trim()
  .regex(/^[^\s@]+@[^\s@]+$|^\*@[^\s@]+$/, 'expected an email address, or *@domain for a whole domain')
  .transform((value) => value.toLowerCase());
const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time such as "09:00" (24-hour)');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const timeZone = text.refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone (use an IANA name such as Europe/Berlin)');

const hours = z
  .strictObject({
    timezone: timeZone,
    days: z.array(z.enum(WEEKDAYS)).min(1, 'must list at least one day'),
    from: clock,
    to: clock,
  })
  .refine((h) => h.from !== h.to, { message: 'from and to must differ', path: ['to'] });

const requester = z.strictObject({
  emails: list(email).optional(),
  organizations: list(text).optional(),
  slackUsers: list(slackUser).optional(),
  slackGroups: list(slackGroup).optional(),
});

const approvers = z.strictObject({
  slackUsers: list(slackUser).optional(),
  slackGroups: list(slackGroup).optional(),
  emails: list(email).optional(),
});

const match = z.strictObject({
  providers: list(text).optional(),
  level: z
    .union([level, z.array(level).min(1)], { error: 'expected read, write or a list such as [read, write]' })
    .optional(),
  kind: z.enum(['session', 'call']).optional(),
  requester: requester.optional(),
  clients: list(text).optional(),
  methods: list(method).optional(),
  urls: list(text).optional(),
});

export const ruleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an id of a-z, 0-9, "-" and "_" (max 64)'),
    description: text.optional(),
    fallback: z.boolean().optional(),
    match: match.optional(),
    decision: z.enum(['approve', 'deny']).optional(),
    selfApprove: z.enum(['read', 'write', 'none']).optional(),
    approvals: z.number().int().min(1).max(10).optional(),
    approvers: approvers.optional(),
    channel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'expected a channel id such as C0123ABCD')
      .optional(),
    maxDuration: duration.optional(),
    defaultDuration: duration.optional(),
    requireReason: z.boolean().optional(),
    hours: hours.optional(),
    outsideHours: z.enum(['deny', 'needs-approval']).optional(),
    limits: z
      .strictObject({
        maxPending: z.number().int().min(1).optional(),
        requestsPerMinute: z.number().int().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((rule, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (rule.hours && !rule.outsideHours)
      problem('hours', 'hours needs outsideHours: deny or needs-approval');
    if (rule.outsideHours && !rule.hours) problem('outsideHours', 'outsideHours applies only with hours');
    if (rule.maxDuration !== undefined && rule.defaultDuration !== undefined) {
      if (rule.defaultDuration > rule.maxDuration) problem('defaultDuration', 'is longer than maxDuration');
    }
    if (rule.decision === 'deny' && (rule.approvals !== undefined || rule.approvers)) {
      problem('decision', 'a deny rule cannot also ask for approvals or approvers');
    }
    if (rule.decision === 'approve' && (rule.approvals !== undefined || rule.approvers)) {
      problem('decision', 'an approve rule decides at once; drop approvals/approvers or the decision');
    }
    const m = rule.match;
    if ((m?.methods || m?.urls) && m.kind !== 'call') {
      problem('match', 'methods and urls match one-call requests only: add kind: call');
    }
    for (const [index, pattern] of (m?.urls ?? []).entries()) {
      if (!isRegexPattern(pattern)) continue;
      try {
        new RegExp(pattern);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['match', 'urls', index],
          message: 'not a valid regular expression',
        });
      }
    }
  });

export const policySchema = z
  .strictObject({
    version: z.literal(1, 'expected version: 1'),
    rules: z.array(ruleSchema),
  })
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, index) => {
      const earlier = seen.get(rule.id);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'id'],
          message: `duplicate rule id "${rule.id}" (rule ${earlier + 1} has it too)`,
        });
      } else seen.set(rule.id, index);
    });
  });

export type PolicyRule = z.output<typeof ruleSchema>;
export type PolicyDocument = z.output<typeof policySchema>;

/** URL and name patterns follow Teleport's convention: `^…$` is a regular expression, `*` a wildcard. */
export function isRegexPattern(pattern: string): boolean {
  return pattern.startsWith('^') && pattern.endsWith('$');
}
