// What an app sends back to Slack outside the Web API: response_url posts and slash-command replies.
import express, { type Router } from 'express';
import type { ResponseTarget, SlackState } from './state.js';
import type { Block, ResponseUrlPost } from './types.js';
import { validateBlocks, withBlockIds } from './validate.js';

type Effect = ResponseUrlPost['effect'];

function content(body: Block): { text: string; blocks: Block[] } {
  return {
    text: typeof body.text === 'string' ? body.text : '',
    blocks: Array.isArray(body.blocks) ? withBlockIds(body.blocks) : [],
  };
}

/**
 * Applies a reply to where it came from (S7): delete_original, replace_original, in_channel, or (the
 * default for anything else) an ephemeral to the person who clicked or typed the command.
 */
export function applyReply(
  state: SlackState,
  target: Omit<ResponseTarget, 'uses' | 'createdAt'>,
  body: Block,
): { effect: Effect; error?: string } {
  if (Array.isArray(body.blocks) && validateBlocks(body.blocks, 'message').length) {
    return { effect: 'refused', error: 'invalid_blocks' };
  }
  const message =
    target.messageTs && !target.ephemeral ? state.findMessage(target.channel, target.messageTs) : undefined;
  const ephemeral =
    target.messageTs && target.ephemeral ? state.findEphemeral(target.user, target.messageTs) : undefined;
  if (body.delete_original === true || body.delete_original === 'true') {
    if (message) state.delete(message);
    else if (ephemeral) state.deleteEphemeral(ephemeral);
    else return { effect: 'refused', error: 'message_not_found' };
    return { effect: 'deleted' };
  }
  if (body.replace_original === true || body.replace_original === 'true') {
    if (message) state.update(message, content(body));
    else if (ephemeral) state.replaceEphemeral(ephemeral, content(body));
    else return { effect: 'refused', error: 'message_not_found' };
    return { effect: 'replaced' };
  }
  if (!body.text && !body.blocks) return { effect: 'refused', error: 'no_text' };
  if (body.response_type === 'in_channel') {
    state.post(target.channel, { ...content(body), thread_ts: body.thread_ts });
    return { effect: 'posted' };
  }
  state.postEphemeral(
    target.channel,
    target.user,
    content(body),
    target.messageTs ? 'response_url' : 'slash_command',
  );
  return { effect: 'ephemeral' };
}

/** A reply body as sent: JSON, or bare text (which Slack treats as `{text}`). */
export function parseReply(raw: string): Block {
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    // Not JSON: plain text.
  }
  return { text: raw };
}

export function responseUrlRoutes(state: SlackState, baseUrl: () => string): Router {
  const router = express.Router();
  router.post(/^\/(actions|commands)\/.+/, express.text({ type: () => true, limit: '2mb' }), (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const body = parseReply(raw);
    const record = (status: number, effect: Effect, error?: string) => {
      state.responses.push({ url: `${baseUrl()}${req.path}`, body, status, effect, at: Date.now() });
      if (error) res.status(status).json({ ok: false, error });
      else res.status(status).json({ ok: true });
    };
    const target = state.useResponseTarget(req.path);
    if ('error' in target) return record(404, 'refused', target.error);
    const result = applyReply(state, target, body);
    if (result.error)
      return record(result.error === 'message_not_found' ? 404 : 400, 'refused', result.error);
    record(200, result.effect);
  });
  return router;
}
