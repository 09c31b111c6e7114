// A click as recorded right after ack(): everything needed to apply it later, without Slack or the payload.
import type { StateValues } from './click-choice.js';
import { ACTION } from './ids.js';

export type ClickKind = 'approve' | 'deny' | 'revoke' | 'extend';

export interface ClickRecord {
  /** From Slack's action (time, person, grant): a redelivered payload gets the same id, so it is one decision. */
  id: string;
  kind: ClickKind;
  grantId: string;
  /** The clicker's Slack user id and team. */
  user: string;
  team: string | null;
  /** The approver's inputs in the message (notes, providers, level, duration), by block and action id. */
  values: StateValues;
  /** Extend only: the end chosen (epoch ms), absolute so a replayed click adds nothing; 0 otherwise. */
  extendTo: number;
  /** The message the button sits in; null for App Home. */
  channel: string | null;
  messageTs: string | null;
  /** Where Slack takes replies to this click (30 minutes, 5 uses); null for App Home. */
  responseUrl: string | null;
  /** Slack's action_ts in ms: when the person clicked. */
  actionAt: number;
  /** Our clock when the click was recorded: decisions by this person from then on are this click's. */
  recordedAt: number;
}

/** The parts of a block_actions body a click record is made of (Bolt's typing is wider than we need). */
export interface ClickBody {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  container?: { type?: string; message_ts?: string };
  channel?: { id: string };
  message?: { ts?: string };
  state?: { values?: unknown };
  response_url?: string;
  trigger_id?: string;
}

/** Our inputs only: another app's or a forged block is never stored, and the record stays small. */
const INPUTS = new Set<string>([ACTION.notes, ACTION.providers, ACTION.level, ACTION.duration]);

function ourInputs(values: unknown): StateValues {
  const kept: StateValues = {};
  if (!values || typeof values !== 'object') return kept;
  for (const [block, actions] of Object.entries(values as Record<string, unknown>)) {
    if (!actions || typeof actions !== 'object') continue;
    for (const [actionId, value] of Object.entries(actions as Record<string, unknown>)) {
      if (!INPUTS.has(actionId) || !value || typeof value !== 'object') continue;
      kept[block] ??= {};
      kept[block][actionId] = value as StateValues[string][string];
    }
  }
  return kept;
}

/** BullMQ job ids may not contain ':'; Slack ids and action_ts never need more than this. */
const safe = (text: string, max: number) => text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, max);

export function clickRecord(
  body: ClickBody,
  action: { action_ts?: string },
  click: { kind: ClickKind; grantId: string; extendTo?: number },
  now: number,
): ClickRecord {
  const actionTs = action.action_ts ?? '';
  const seconds = Number(actionTs);
  const inMessage = body.container?.type === 'message' && body.channel?.id !== undefined;
  // action_ts is unique per click of a person; without one (never seen) the trigger id is.
  const when = /^\d{1,12}\.\d{1,9}$/.test(actionTs) ? actionTs : (body.trigger_id ?? String(now));
  return {
    id: `click_${safe(when, 40)}_${safe(body.user.id, 30)}_${safe(click.grantId, 120)}`,
    kind: click.kind,
    grantId: click.grantId,
    user: body.user.id,
    team: body.team?.id ?? body.user.team_id ?? null,
    values: click.kind === 'approve' || click.kind === 'deny' ? ourInputs(body.state?.values) : {},
    extendTo: click.extendTo ?? 0,
    channel: inMessage ? body.channel!.id : null,
    messageTs: inMessage ? (body.container?.message_ts ?? body.message?.ts ?? null) : null,
    responseUrl: typeof body.response_url === 'string' ? body.response_url : null,
    actionAt: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : now,
    recordedAt: now,
  };
}
