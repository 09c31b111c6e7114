// The consent form's fields: parsing the post with zod, and turning it into a choice no wider than the request.
import { z } from 'zod';
import { defaultDuration, durationChoices } from '../grants/durations.js';
import type { ApprovalChoice, Grant, Level } from '../grants/types.js';
import { formatDuration } from '../lib/duration.js';
import { NOTES_MAX_LENGTH } from './pages/consent-parts.js';

export { defaultDuration, durationChoices } from '../grants/durations.js';

const oneOrMany = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));

const single = (what: string) => z.string({ error: `${what} was sent more than once.` }).optional();

/** Fields of the consent form; messages are shown to the person, so each says what exactly is wrong. */
export const decisionFormSchema = z.object({
  token: z
    .string({ error: 'The form carried no approval token.' })
    .min(1, 'The form carried no approval token.'),
  csrf: single('The form check'),
  decision: z.enum(['approve', 'deny'], { error: 'Choose Approve or Deny.' }),
  providers: oneOrMany,
  level: z.enum(['read', 'write'], { error: 'The access level must be read or write.' }).optional(),
  duration: z
    .string({ error: 'The duration was sent more than once.' })
    .regex(/^\d{1,12}$/, 'The duration must be one of the offered choices.')
    .transform(Number)
    .optional(),
  // Browsers send textarea line breaks as CRLF; count them as one character, as the textarea's maxlength does.
  notes: single('The notes')
    .transform((v) => v?.replace(/\r\n?/g, '\n').trim() ?? '')
    .refine((v) => v.length <= NOTES_MAX_LENGTH, `Notes can be at most ${NOTES_MAX_LENGTH} characters.`),
});

export type DecisionForm = z.infer<typeof decisionFormSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseDecisionForm(body: unknown): Parsed<DecisionForm> {
  if (typeof body !== 'object' || body === null) {
    return { ok: false, message: 'The decision was not sent as a web form.' };
  }
  const parsed = decisionFormSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues[0]?.message ?? 'The form was not understood.' };
}

const RANK: Record<Level, number> = { read: 1, write: 2 };

/**
 * The approval as chosen in the form, checked against the request itself: known providers only, at least one,
 * no higher level, an offered duration. The store checks the same again; this gives the person the precise
 * message first.
 */
export function approvalChoice(
  grant: Grant,
  form: DecisionForm,
  maxAccessMs: number,
): Parsed<{ level: Level; choice: ApprovalChoice }> {
  const instructions = form.notes || null;
  if (grant.kind === 'request') {
    if (form.providers !== undefined || form.level !== undefined || form.duration !== undefined) {
      return {
        ok: false,
        message: 'This approves one exact call: providers, level and duration cannot be changed.',
      };
    }
    return { ok: true, value: { level: grant.level, choice: { instructions } } };
  }

  const providers = [...new Set(form.providers ?? [])];
  const unknown = providers.filter((id) => !grant.requestedProviders.includes(id));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `"${unknown[0]}" was not part of this request, which asked for ${grant.requestedProviders.join(', ') || 'no providers'}.`,
    };
  }
  if (providers.length === 0) {
    return { ok: false, message: 'Tick at least one provider to approve, or deny the request.' };
  }

  const level = form.level ?? grant.requestedLevel;
  if (RANK[level] > RANK[grant.requestedLevel]) {
    return {
      ok: false,
      message: `This request asked for ${grant.requestedLevel} access; it cannot be widened to ${level}.`,
    };
  }

  const durationMs = form.duration ?? defaultDuration(grant.requestedDurationMs, maxAccessMs);
  if (!durationChoices(grant.requestedDurationMs, maxAccessMs).includes(durationMs)) {
    return {
      ok: false,
      message: `Pick one of the offered durations (at most ${formatDuration(maxAccessMs)}).`,
    };
  }
  // Keep the request's own order, so the stored list reads like the form did.
  const ordered = grant.requestedProviders.filter((id) => providers.includes(id));
  return { ok: true, value: { level, choice: { providers: ordered, level, durationMs, instructions } } };
}
