// A click on a message whose grant Countersign no longer knows (Redis lost it, or it is past retention): the
// message itself is rewritten to say so, without buttons, so nobody keeps clicking a dead request.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../../lib/logger.js';
import { unknownRequestMessage } from '../../views/lost-data.js';

/** The parts of a block_actions body that locate the clicked message. */
export interface ClickedMessage {
  user: { id: string };
  channel?: { id: string };
  container?: { type?: string; message_ts?: string };
  message?: { ts?: string };
}

/** Rewrites the clicked message when the click came from one (not App Home); failures are only logged. */
export async function markRequestGone(
  client: WebClient,
  body: ClickedMessage,
  logger: Logger,
  now: () => number,
): Promise<void> {
  const channel = body.channel?.id;
  const ts = body.container?.message_ts ?? body.message?.ts;
  if (body.container?.type !== 'message' || !channel || !ts) return;
  const view = unknownRequestMessage(body.user.id, now());
  await client.chat
    .update({ channel, ts, text: view.text, blocks: view.blocks })
    .catch((error: unknown) =>
      logger.warn({ err: error, channel, ts }, 'marking a forgotten request failed'),
    );
}
