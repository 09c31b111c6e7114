// A click on a message whose grant Countersign no longer knows (Redis lost it, or it is past retention): the
// message itself is rewritten to say so, without buttons, so nobody keeps clicking a dead request.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../../lib/logger.js';
import type { ClickRecord } from '../../click-record.js';
import { unknownRequestMessage } from '../../views/lost-data.js';

/** Rewrites the clicked message when the click came from one (not App Home); failures are only logged. */
export async function markRequestGone(
  client: WebClient,
  click: Pick<ClickRecord, 'user' | 'channel' | 'messageTs'>,
  logger: Logger,
  now: () => number,
): Promise<void> {
  const { channel, messageTs: ts } = click;
  if (!channel || !ts) return;
  const view = unknownRequestMessage(click.user, now());
  await client.chat
    .update({ channel, ts, text: view.text, blocks: view.blocks })
    .catch((error: unknown) =>
      logger.warn({ err: error, channel, ts }, 'marking a forgotten request failed'),
    );
}
